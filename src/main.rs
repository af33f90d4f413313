use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Logs go to stderr; stdout carries only the command's output.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    socai::cli::main()
}
