//! A settings file of any content, and the same text as every `WS_*`
//! variable: an error or settings, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        ws::internals::settings(text);
    }
});
