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
pub mod transcript;

pub use connection::Connection;
pub use console::Console;
pub use error::{Error, Result};
