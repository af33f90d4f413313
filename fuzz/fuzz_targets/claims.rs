#![no_main]
//! Any text as a claims file or a printed number.
use libfuzzer_sys::fuzz_target;
use socai::core::reconcile;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = reconcile::parse_claims(text);
        let _ = reconcile::parse_vi(text);
    }
});
