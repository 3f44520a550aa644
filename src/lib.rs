//! `ws` is a WebSocket console: an interactive session where plain commands
//! (`text hello`, `close 1003 'bye'`) and Rhai code share one prompt and one
//! connection, Rhai scripts that automate whole exchanges, one-shot
//! commands, and transcripts of any console as SVG, HTML, asciicast or text.
//!
//! It is a library first: the `ws` binary is a thin `main` over
//! [`run_command_line`], and everything it does is reachable from here. No
//! async code is needed: the library runs its own background runtime and
//! every call blocks until done.
//!
//! # A session on the echo server
//!
//! A [`Session`] is a console on (at most) one connection with a Rhai
//! engine whose session functions (`text`, `recv`, `expect`, `close`, …)
//! are bound to that connection. [`EchoServer`] runs the server of
//! `ws echo-server` on a free port of 127.0.0.1, so everything below runs
//! without a network.
//!
//! ```
//! use ws::{Console, EchoServer, Session};
//!
//! let server = EchoServer::start()?;
//! let mut session = Session::builder()
//!     .url(server.url())
//!     .console(Console::silent()) // print nowhere
//!     .build()?;
//! session.run_script("probe", r#"text("ping"); expect("ping", 5);"#)?;
//! session.close_all(1000);
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! [`Session::run_script`] runs a whole script; [`Session::eval_line`] runs
//! one line as the prompt does (a plain command or Rhai) and returns an
//! [`Outcome`]; [`Session::repl`] is the interactive loop itself.
//!
//! # Your own functions in Rhai
//!
//! The engine is an ordinary
//! [`rhai::Engine`](https://docs.rs/rhai/1/rhai/struct.Engine.html) (the
//! crate is re-exported as `ws::rhai`): register the host's functions
//! before running code, and share values through the session's scope.
//!
//! ```
//! use ws::{Console, Session};
//!
//! let mut session = Session::builder().console(Console::silent()).build()?;
//! session.engine_mut().register_fn("double", |x: i64| x * 2);
//! session.scope_mut().push("start", 21_i64);
//! session.run_script("inline", "let result = double(start);")?;
//! assert_eq!(session.scope_mut().get_value::<i64>("result"), Some(42));
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! # A connection of your own
//!
//! [`Connection`] is a blocking, cloneable handle on one websocket
//! connection, for Rust code that wants no script at all. Open it with
//! [`ConnectOptions`] (headers, subprotocols, TLS files, limits), send, and
//! receive [`Message`]s; a wait that ends without one says why in a
//! [`RecvError`], and the end of the connection is a [`CloseInfo`].
//!
//! ```
//! use std::time::Duration;
//! use ws::{ConnectOptions, Connection, EchoServer, Message};
//!
//! let server = EchoServer::start()?;
//! let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
//! connection.send_text("hello".into())?;
//! assert_eq!(connection.recv(Some(Duration::from_secs(5)))?, Message::Text("hello".into()));
//! assert!(connection.close(1000, "done")?.is_normal());
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! The same connection can carry a session
//! ([`SessionBuilder::connection`]), so a host mixes Rust calls and Rhai on
//! one exchange.
//!
//! # Where the output goes
//!
//! Everything a session shows (messages, confirmations, errors, what
//! `print` prints) is a [`Line`] of styled [`Segment`]s, each with a
//! [`Role`] and the line with a [`Mark`], handed to a [`Console`].
//! The console prints it on the terminal ([`Console::stdio`]) or nowhere
//! ([`Console::silent`]), and hands it to every [`Sink`] attached: a
//! transcript file from [`transcript::open`] (SVG, HTML, asciicast or
//! text, by the file's extension), or a sink of your own.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use ws::{Console, EchoServer, Line, Mark, Session, Sink};
//!
//! /// Counts the messages received.
//! struct Received(Arc<Mutex<usize>>);
//! impl Sink for Received {
//!     fn line(&mut self, line: &Line) -> std::io::Result<()> {
//!         Ok(*self.0.lock().unwrap() += usize::from(matches!(line.mark, Mark::Received(_))))
//!     }
//!     fn finish(&mut self) -> std::io::Result<()> { Ok(()) }
//! }
//!
//! let server = EchoServer::start()?;
//! let (count, console) = (Arc::new(Mutex::new(0)), Console::silent());
//! console.add_sink(Box::new(Received(count.clone())));
//! let mut session = Session::builder().url(server.url()).console(console).build()?;
//! session.run_script("two", r#"text("a"); text("b"); recv(); recv();"#)?;
//! assert_eq!(*count.lock().unwrap(), 2);
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! # Settings
//!
//! [`Settings`] holds what `ws` reads from its flags, `WS_*` variables and
//! config files: timeouts, the receive queue, message and buffer
//! sizes, keepalive pings, reconnection ([`ReconnectSettings`]), a
//! [`Preamble`] sent on every connection, TLS files and the
//! [`ScriptLimits`] Rhai code runs within. A host starts from
//! [`Settings::default`] and changes fields; the library reads no files
//! and no environment for it.
//!
//! ```
//! use std::time::Duration;
//! use ws::{Console, EchoServer, Session, Settings};
//!
//! let server = EchoServer::start()?;
//! let settings = Settings { response_timeout: Some(Duration::from_millis(100)), ..Settings::default() };
//! let mut session = Session::builder().url(server.url()).settings(settings)
//!     .console(Console::silent()).build()?;
//! let error = session.run_script("wait", "recv()").unwrap_err();
//! assert!(error.to_string().contains("no message arrived"), "{error}");
//! # Ok::<(), ws::Error>(())
//! ```
//!
//! # Errors
//!
//! Every failure is an [`Error`] whose message says what to do; its
//! [`exit_status`](Error::exit_status) is the one `ws` exits with.
//!
//! # Complete programs
//!
//! - `examples/embed.rs`: a session on the echo server with a host
//!   function (`cargo run --example embed`).
//! - `examples/metrics.rs`: host functions and a custom [`Sink`] feeding
//!   one metrics struct (`cargo run --example metrics`).
//! - `examples/server_check.rs`: an integration test of a websocket server
//!   in plain Rust, with no async runtime and no test framework
//!   (`cargo run --example server_check [URL]`).

#![deny(missing_docs)]
#![deny(unsafe_code)]
// Without the command line, the helpers only its commands call (settings
// tables for flags, one-shot plumbing) are unused, not wrong.
#![cfg_attr(not(feature = "cli"), allow(dead_code, unused_imports))]

mod bounded;
mod cancel;
#[cfg(feature = "cli")]
mod cli;
#[cfg(feature = "cli")]
mod commands;
mod connection;
mod console;
mod error;
#[doc(hidden)]
pub mod internals;
mod message;
mod os;
pub mod protocol;
mod queue;
#[cfg(feature = "repl")]
mod repl;
mod runtime;
mod script;
mod server;
mod session;
mod settings;
mod signals;
mod testing;
pub mod transcript;

pub use connection::{CloseInfo, Closer, ConnectOptions, Connection, Message, RecvError, TlsFiles};
pub use connection::{Preamble, ReconnectSettings};
pub use console::{Console, Line, Mark, Role, Segment, Sink};
pub use error::{Error, Result};
/// The Rhai crate this library embeds, for the types of
/// [`Session::engine_mut`] and [`Session::scope_mut`] (`rhai::Engine`,
/// `rhai::Scope`, `rhai::Dynamic`…) without a dependency of your own.
///
/// ```
/// let mut session = ws::Session::builder().console(ws::Console::silent()).build()?;
/// let engine: &mut ws::rhai::Engine = session.engine_mut();
/// assert_eq!(engine.eval::<ws::rhai::INT>("40 + 2").unwrap(), 42);
/// # Ok::<(), ws::Error>(())
/// ```
pub use rhai;
pub use server::EchoServer;
pub use session::{Outcome, Session, SessionBuilder};
pub use settings::{ScriptLimits, Settings};

/// The `ws` command line as a function (feature `cli`): parses `args` (the program's name
/// first, as [`std::env::args_os`] gives them), runs the command and
/// returns its exit status. Errors are printed on standard error as the
/// binary prints them; `--help` prints and returns 0, bad arguments print
/// their usage error and return 2.
///
/// ```
/// let status = ws::run_command_line(["ws", "config"]);
/// assert_eq!(status, 0);
/// assert_eq!(ws::run_command_line(["ws", "no-such-command"]), 2);
/// assert_eq!(ws::run_command_line(["ws", "text", "--help"]), 0);
/// ```
#[cfg(feature = "cli")]
pub fn run_command_line<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match <cli::Cli as clap::Parser>::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return e.exit_code();
        }
    };
    // The command runs on a thread whose stack holds a script's deeply
    // nested data (see script::STACK).
    let command = std::thread::Builder::new()
        .name("ws".into())
        .stack_size(script::STACK)
        .spawn(move || commands::run(cli));
    let status = match command {
        Ok(command) => command
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        Err(e) => Err(Error::io("cannot start the command's thread", e)),
    };
    // What the display thread holds is shown before the error and the exit.
    console::settle();
    match status {
        Ok(status) => status,
        Err(error) => {
            commands::report(&error);
            error.exit_status()
        }
    }
}
