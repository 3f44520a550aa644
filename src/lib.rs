//! `ws` is a WebSocket console: an interactive session where plain commands
//! (`text hello`, `close 1003 'bye'`) and Rhai code share one prompt and one
//! connection, Rhai scripts that automate whole exchanges, one-shot
//! commands, and transcripts of any console as SVG, HTML or text.
//!
//! It is a library first: the `ws` binary is a thin `main` over
//! [`run_command_line`]. A host program builds a [`Session`] on a URL (or on
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

mod cli;
mod commands;
mod connection;
mod console;
mod error;
#[doc(hidden)]
pub mod internals;
mod os;
mod repl;
mod runtime;
mod script;
mod server;
mod session;
mod settings;
mod testing;
pub mod transcript;

pub use connection::{CloseInfo, Closer, ConnectOptions, Connection, Message, RecvError, TlsFiles};
pub use connection::{Preamble, ReconnectSettings};
pub use console::{Console, Line, Mark, Role, Segment, Sink};
pub use error::{Error, Result};
pub use rhai;
pub use server::EchoServer;
pub use session::{Outcome, Session, SessionBuilder};
pub use settings::{ScriptLimits, Settings};

/// The `ws` command line as a function: parses `args` (the program's name
/// first, as [`std::env::args_os`] gives them), runs the command and
/// returns its exit status. Errors are printed on standard error as the
/// binary prints them; `--help` and bad arguments print and exit the
/// process, as clap does.
///
/// ```
/// let status = ws::run_command_line(["ws", "config"]);
/// assert_eq!(status, 0);
/// ```
pub fn run_command_line<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = <cli::Cli as clap::Parser>::parse_from(args);
    match commands::run(cli) {
        Ok(status) => status,
        Err(error) => {
            commands::report(&error);
            error.exit_status()
        }
    }
}
