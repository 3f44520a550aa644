//! A settings file of any content, and the same text as every `WS_*`
//! variable: an error or settings, never a panic.

#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use ws::settings::{ConfigFile, Flags, KEYS, env_name, resolve};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = ConfigFile {
        path: "fuzz.toml".into(),
        text: text.to_string(),
    };
    let _ = resolve(&HashMap::new(), &[file], &Flags::default());
    for key in KEYS {
        let env = HashMap::from([(env_name(key), text.to_string())]);
        let _ = resolve(&env, &[], &Flags::default());
    }
});
