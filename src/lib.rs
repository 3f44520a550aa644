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

pub mod cli;
pub mod commands;
pub mod connection;
pub mod console;
mod error;
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
