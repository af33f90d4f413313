use std::process::ExitCode;

/// mimalloc, not glibc's malloc: sled 0.34.7 cannot reopen a 10M-event log written under
/// glibc's allocator, and reopens every one written under this one (see Cargo.toml and
/// BENCHMARKS.md, "sled at 10M and the allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    socai::cli::main()
}
