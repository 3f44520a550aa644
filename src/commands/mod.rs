//! One module per subcommand, each a small adapter from validated settings
//! onto the library. [`run`] dispatches; [`report`] prints an error once.

mod completion;
mod echo_server;
mod listen;
mod ping;
mod run_script;
mod send;
mod session;
mod tail;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

/// Runs one command line; returns the exit status.
pub fn run(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Session(args) => session::run(args),
        Command::Run(args) => run_script::run(args),
        Command::Text(args) => send::run(args, send::Kind::Text),
        Command::Byte(args) => send::run(args, send::Kind::Binary),
        Command::Ping(args) => ping::run(args, ping::Kind::Ping),
        Command::Pong(args) => ping::run(args, ping::Kind::Pong),
        Command::Listen(args) => listen::run(args),
        Command::Tail(args) => tail::run(args),
        Command::EchoServer(args) => echo_server::run(args),
        Command::Completion(args) => completion::print(args.shell),
        Command::InstallCompletion => completion::install(),
        Command::Config(args) => crate::settings::show(&args.connect),
    }
}

/// Prints an error on standard error: `ws: error: …`, and for a refused
/// handshake the response's status, headers and body.
pub fn report(error: &Error) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    if let Error::Handshake {
        status,
        headers,
        body,
    } = error
    {
        let _ = writeln!(
            err,
            "ws: error: the server refused the websocket handshake: HTTP {status}"
        );
        for (name, value) in headers {
            let _ = writeln!(err, "  {name}: {value}");
        }
        if !body.trim().is_empty() {
            let _ = writeln!(err);
            let _ = writeln!(err, "{}", body.trim_end());
        }
        return;
    }
    if matches!(error, Error::Exit(_) | Error::Interrupted) {
        return;
    }
    let _ = writeln!(err, "ws: error: {error}");
}
