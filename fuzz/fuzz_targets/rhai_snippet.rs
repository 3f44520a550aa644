//! Any Rhai snippet (or plain command) through the session's dispatch,
//! with the session functions, limits and diagnostics: never panics or
//! aborts, whatever the code does.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(line) = std::str::from_utf8(data) {
        ws::internals::session_line(line);
    }
});
