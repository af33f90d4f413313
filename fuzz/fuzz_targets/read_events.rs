#![no_main]
//! Any bytes as an import file: read, never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = socai::cli::read_events(data);
});
