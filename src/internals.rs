//! Not part of the API: the pieces the project's own fuzz targets (under
//! `fuzz/`) and wire-level tests reach. Hidden from the documentation; any
//! release may change it.

use std::collections::HashMap;

use crate::console::Console;
use crate::session::{Outcome, Session};

pub use crate::connection::deflate;

/// Parses `text` as a URL (SPEC §1) and the normalised form again: what is
/// accepted must come back unchanged. The broken promise as an error, for
/// the fuzz target to report.
pub fn url(text: &str) -> Result<(), String> {
    let Ok(url) = crate::connection::url::parse(text) else {
        return Ok(());
    };
    match crate::connection::url::parse(&url) {
        Ok(again) if again == url => Ok(()),
        Ok(again) => Err(format!("{text:?} normalised to {url:?}, then to {again:?}")),
        Err(e) => Err(format!(
            "{text:?} normalised to {url:?}, which is refused: {e}"
        )),
    }
}

/// Resolves `text` as a settings file and as every `WS_*` variable: an
/// error or settings, never a panic.
pub fn settings(text: &str) {
    use crate::settings::{ConfigFile, Flags, KEYS, env_name, resolve};
    let file = ConfigFile {
        path: "fuzz.toml".into(),
        text: text.to_string(),
    };
    let _ = resolve(&HashMap::new(), &[file], &Flags::default());
    for key in KEYS {
        let env = HashMap::from([(env_name(key.name), text.to_string())]);
        let _ = resolve(&env, &[], &Flags::default());
    }
}

/// Runs the session's line dispatch and argument splitting on one line.
pub fn line(line: &str) {
    crate::script::shim::fuzz_line(line);
}

/// Evaluates one line of Rhai (or a plain command) through the session's
/// dispatch, on a session without a connection whose console prints
/// nowhere. `sleep` returns at once and `connect` is refused, so a run never waits
/// or reaches the network; `--max-operations` is 100,000.
pub fn session_line(line: &str) {
    thread_local! {
        static SESSION: std::cell::RefCell<Option<Session>> = const { std::cell::RefCell::new(None) };
    }
    SESSION.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = fuzz_session();
        }
        let Some(session) = cell.as_mut() else {
            return;
        };
        if session.eval_line(line) != Outcome::Continue {
            *cell = None;
        }
    });
}

fn fuzz_session() -> Option<Session> {
    let mut session = Session::builder()
        .console(Console::silent())
        .interactive(true)
        .build()
        .ok()?;
    let engine = session.engine_mut();
    engine.set_max_operations(100_000);
    engine.register_fn("sleep", |_: rhai::INT| ());
    engine.register_fn("sleep", |_: rhai::FLOAT| ());
    let refused = || -> Result<(), Box<rhai::EvalAltResult>> { Err("no network here".into()) };
    engine.register_fn("connect", move |_: &str| refused());
    engine.register_fn("connect", move |_: &str, _: rhai::Map| refused());
    Some(session)
}
