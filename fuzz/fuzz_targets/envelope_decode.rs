#![no_main]
//! Any stored bytes: decode, never panic, never allocate past the record limit.
use libfuzzer_sys::fuzz_target;
use socai::storage::envelope;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = envelope::decode(data) {
        let _ = envelope::encode(&record);
    }
});
