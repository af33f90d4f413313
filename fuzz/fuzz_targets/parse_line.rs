#![no_main]
//! Any text: `parse_line` returns a rejection or an event that survives the way back.
use libfuzzer_sys::fuzz_target;
use socai::core::event;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(e) = event::parse_line(text)
    {
        let again = event::parse_line(&event::to_json(&e).to_string());
        assert_eq!(again.as_ref(), Ok(&e));
    }
});
