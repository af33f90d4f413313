use std::process::ExitCode;

fn main() -> ExitCode {
    socai::cli::main()
}
