//! The session's line dispatch and argument splitting on any line: never
//! panics.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(line) = std::str::from_utf8(data) {
        ws::internals::line(line);
    }
});
