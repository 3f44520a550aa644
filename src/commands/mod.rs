//! One module per subcommand, each a small adapter from validated settings
//! onto the library. [`run`] dispatches; [`report`] prints an error once.

mod client;
mod completion;
mod echo_server;
mod jsonl;
mod listen;
mod man;
mod ping;
mod pipe;
mod replay;
mod run_script;
mod send;
mod session;
mod tail;
mod test;

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
        Command::Pipe(args) => pipe::run(args),
        Command::Url(words) => shortcut(words),
        Command::Tail(args) => tail::run(args),
        Command::Replay(args) => replay::run(args),
        Command::EchoServer(args) => echo_server::run(args),
        Command::Completion(args) => completion::print(args.shell),
        Command::InstallCompletion => completion::install(),
        Command::Man(args) => man::print(args.command.as_deref()),
        Command::Config(args) => {
            crate::settings::show(&args.connect.setting_flags(Some(&args.stay), &[], None))
        }
        Command::Test(args) => test::run(args),
    }
}

/// `ws URL [FLAGS…]`: `ws session URL …` when standard input is a
/// terminal, `ws pipe URL …` otherwise.
fn shortcut(words: Vec<String>) -> Result<i32> {
    use std::io::IsTerminal;
    let url = words.first().map(String::as_str).unwrap_or_default();
    crate::connection::url::parse(url)?;
    let command = if std::io::stdin().is_terminal() {
        "session"
    } else {
        "pipe"
    };
    let args = ["ws", command]
        .into_iter()
        .chain(words.iter().map(String::as_str));
    match <Cli as clap::Parser>::try_parse_from(args) {
        Ok(cli) => run(cli),
        Err(e) => {
            let _ = e.print();
            Ok(e.exit_code())
        }
    }
}

/// Prints an error on standard error: `ws: error: …`, and for a refused
/// handshake the response's status, headers and body. Everything is shown
/// with control characters made visible: much of it comes from the server.
pub fn report(error: &Error) {
    use std::io::Write;
    let Some(text) = error_text(error) else {
        return;
    };
    let mut shown = String::with_capacity(text.len());
    for line in text.lines() {
        shown.push_str(&crate::console::escape::visible_text(line));
        shown.push('\n');
    }
    let _ = std::io::stderr().lock().write_all(shown.as_bytes());
}

/// Writes the error a command ends with into the console's transcripts
/// (standard error gets it from [`report`]), so a transcript says why the
/// command failed: a refused handshake, a script error, a lost connection.
pub(crate) fn record<T>(console: &crate::console::Console, result: &Result<T>) {
    use crate::console::{Line, Role, Stream};
    if let Err(error) = result
        && let Some(text) = error_text(error)
    {
        console.emit_all(Stream::SinksOnly, Line::split(Role::Error, text.trim_end()));
    }
}

/// The text of an error as `ws: error: …` (with a refused handshake's
/// status, headers and body); `None` for ends that print nothing.
fn error_text(error: &Error) -> Option<String> {
    let text = match error {
        Error::Exit(_) | Error::Interrupted => return None,
        _ if error.is_broken_pipe() => return None,
        Error::Handshake {
            status,
            reason,
            headers,
            body,
        } => {
            let status = format!("{status} {reason}");
            let mut text = format!(
                "ws: error: the server refused the websocket handshake: HTTP {}\n",
                status.trim_end()
            );
            for (name, value) in headers {
                let value = crate::connection::redact::header_value(name, value);
                text.push_str(&format!("  {name}: {value}\n"));
            }
            if !body.trim().is_empty() {
                text.push_str(&format!("\n{}\n", body.trim_end()));
            }
            text
        }
        other => format!("ws: error: {other}\n"),
    };
    Some(text)
}

/// The longest line a command reads from a file or standard input:
/// `max_message_size` (from the environment and the settings files).
pub(crate) fn line_limit() -> Result<usize> {
    let flags = crate::settings::Flags::default();
    Ok(crate::settings::load(&flags)?.settings.max_message_size)
}

/// Settings and connection options of a client command: the settings
/// layered from its flags, `WS_*` variables and settings files, plus the
/// flags that only concern the connection. Warns once on standard error
/// when `-k` turns certificate verification off.
pub(crate) fn client_settings(
    flags: &crate::cli::ConnectArgs,
    stay: Option<&crate::cli::StayArgs>,
    more: &[(&'static str, String, String)],
    width: Option<&str>,
) -> Result<(crate::settings::Settings, crate::connection::ConnectOptions)> {
    let settings_flags = flags.setting_flags(stay, more, width);
    let mut settings = crate::settings::load(&settings_flags)?.settings;
    let mut options = settings.connect_options();
    options
        .subprotocols
        .extend(flags.subprotocols.iter().cloned());
    options.origin.clone_from(&flags.origin);
    options.auth.clone_from(&flags.auth);
    options.insecure = flags.insecure;
    options.proxy.clone_from(&flags.proxy);
    crate::connection::check_options(&options)?;
    if let Some(path) = stay.and_then(|stay| stay.preamble.as_ref()) {
        settings.preamble = Some(crate::connection::Preamble::load(path)?);
    }
    if flags.insecure {
        eprintln!("{}", crate::connection::INSECURE_WARNING);
    }
    Ok((settings, options))
}

/// The name and text of a script argument; `-` reads standard input.
pub(crate) fn read_script(path: &std::path::Path) -> Result<(String, String)> {
    if path.as_os_str() == "-" {
        let text = crate::bounded::config_text(std::io::stdin().lock())
            .map_err(|e| Error::io("cannot read the script from standard input", e))?;
        return Ok(("<stdin>".to_string(), text));
    }
    let text = crate::bounded::read_config_text(path).map_err(|e| Error::file("read", path, e))?;
    Ok((path.display().to_string(), text))
}

/// A positive number of seconds given to `flag` as a duration.
pub(crate) fn seconds(flag: &str, value: f64) -> Result<std::time::Duration> {
    use crate::settings::MAX_SECONDS;
    Some(value)
        .filter(|s| s.is_finite() && *s >= 0.001 && *s <= MAX_SECONDS)
        .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag} {} is not a duration; use a number of seconds from 0.001 (a millisecond) to {MAX_SECONDS}",
                number(value)
            ))
        })
}

/// A number as people write it: `0.0001` or `2.5` as they are, `-1e308`
/// rather than its 309 digits.
pub(crate) fn number(value: f64) -> String {
    let plain = value.to_string();
    if plain.len() <= 24 {
        plain
    } else {
        format!("{value:e}")
    }
}

/// Attaches a transcript for each of `paths` to the console (all are
/// opened before any is attached, so a bad one stops the command before it
/// starts); their rows wrap at the settings' terminal width.
pub(crate) fn attach_transcript(
    console: &crate::console::Console,
    paths: &[std::path::PathBuf],
    settings: &crate::settings::Settings,
) -> Result<()> {
    let sinks = paths
        .iter()
        .map(|path| crate::transcript::open(path, settings.width()))
        .collect::<Result<Vec<_>>>()?;
    for sink in sinks {
        console.add_sink(sink);
    }
    Ok(())
}
