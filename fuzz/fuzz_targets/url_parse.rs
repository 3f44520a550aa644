//! The URL parser on any text: never panics, and what it
//! accepts it accepts again unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(broken) = ws::internals::url(text) {
            panic!("{broken}");
        }
    }
});
