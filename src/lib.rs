//! `ws` is a WebSocket console: an interactive session where plain commands
//! (`text hello`, `close 1003 'bye'`) and Rhai code share one prompt and one
//! connection, Rhai scripts that automate whole exchanges, one-shot
//! commands, and transcripts of any console as SVG, HTML or text.
//!
//! It is a library first: the `ws` binary is a thin `main` over
//! [`commands::run`]. A host program builds a [`Session`] on a URL (or on
//! its own [`Connection`]), registers extra Rhai functions on its engine,
//! and runs a script or the interactive loop.
//!
//! ```
//! use ws::{Console, Session};
//!
//! // A session without a connection, printing nowhere.
//! let mut session = Session::builder().console(Console::silent()).build()?;
//! // The host's own function, callable from Rhai.
//! session.engine_mut().register_fn("double", |x: i64| x * 2);
//! session.run_script("inline", r#"if double(21) != 42 { throw "wrong" }"#)?;
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! On a connection, the session functions (`text`, `recv`, `expect`, …) are
//! bound to it:
//!
//! ```no_run
//! use ws::Session;
//!
//! let mut session = Session::builder().url("ws://localhost:8000/").build()?;
//! session.run_script("probe", r#"text("ping"); expect("pong", 2);"#)?;
//! session.close_all(1000);
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! `examples/embed.rs` is a complete program (`cargo run --example embed`).

#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod connection;
pub mod console;
mod error;
mod os;
mod repl;
mod runtime;
mod script;
pub mod server;
pub mod session;
pub mod settings;
mod testing;
pub mod transcript;

pub use connection::{ConnectOptions, Connection};
pub use console::{Console, Line, Role, Sink};
pub use error::{Error, Result};
pub use rhai;
pub use session::{Outcome, Session, SessionBuilder};
pub use settings::Settings;

/// Runs the session's line dispatch and argument splitting on one line;
/// for the fuzz targets under `fuzz/`, not part of the API.
#[doc(hidden)]
pub fn fuzz_line(line: &str) {
    script::shim::fuzz_line(line);
}

/// Evaluates one line of Rhai (or a plain command) through the session's
/// dispatch, on a session without a connection whose console prints
/// nowhere; for the fuzz targets under `fuzz/`, not part of the API.
/// `sleep` returns at once and `connect` is refused, so a run never waits
/// or reaches the network; `--max-operations` is 100,000.
#[doc(hidden)]
pub fn fuzz_session_line(line: &str) {
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
