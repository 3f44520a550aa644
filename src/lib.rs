//! `ws` is a WebSocket console: an interactive session where plain commands
//! and Rhai code share one prompt and one connection, Rhai scripts, one-shot
//! commands, and transcripts of any console as SVG, HTML or text.

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

pub use connection::Connection;
pub use console::Console;
pub use error::{Error, Result};

/// Runs the session's line dispatch and argument splitting on one line;
/// for the fuzz targets under `fuzz/`, not part of the API.
#[doc(hidden)]
pub fn fuzz_line(line: &str) {
    script::shim::fuzz_line(line);
}
