//! `ws::connection::url::parse` on any text: never panics, and what it
//! accepts it accepts again unchanged.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(url) = ws::connection::url::parse(text) {
        let again = ws::connection::url::parse(&url).expect("a normalised URL parses");
        assert_eq!(again, url);
    }
});
