//! What the client commands (`listen`, `pipe`, `ping`, `pong`, `text`,
//! `byte`) share: the client core ([`Client`]) opened with the command's
//! settings, unless Ctrl+C or SIGTERM comes first; how a connection's end
//! becomes the exit status; and leaving on our side.

use std::pin::Pin;
use std::time::Duration;

use crate::connection::{Client, ClientSettings, CloseInfo, Closer, ConnectOptions, Preamble};
use crate::console::{Console, Line, Role, Stream, render};
use crate::error::{Error, Result};
use crate::settings::Settings;

/// The client core's settings for `command` (named in the refusal of a
/// Rhai preamble, which a command without Rhai cannot run); `verbose`
/// (`-v`) asks for keepalive notes and an application protocol's frames.
pub(super) fn settings(
    settings: &Settings,
    options: ConnectOptions,
    command: &str,
    verbose: bool,
) -> Result<ClientSettings> {
    let preamble = match &settings.preamble {
        None => Vec::new(),
        Some(Preamble::Lines(lines)) => lines.clone(),
        Some(Preamble::Script { path, .. }) => {
            return Err(Error::Usage(format!(
                "--preamble {} is a Rhai script; {command} sends a preamble of text lines, one message a line",
                path.display()
            )));
        }
    };
    Ok(ClientSettings {
        preamble,
        notes: verbose,
        ..settings.client_settings(options)
    })
}

/// Completes on Ctrl+C or SIGTERM.
pub(super) type Stop = Pin<Box<dyn Future<Output = ()>>>;

/// Installs the handlers of Ctrl+C and SIGTERM, then opens `url` unless
/// one of them comes first (it ends a wait of up to `connect_timeout` at
/// once) and says what the connection negotiated. The stop signal is
/// handed back for the command's own waits.
pub(super) async fn connect(
    url: &str,
    settings: ClientSettings,
    console: &Console,
    quiet: bool,
) -> Result<(Client, Stop)> {
    let stop =
        crate::signals::stop().map_err(|e| Error::io("cannot install the signal handlers", e))?;
    let mut stop: Stop = Box::pin(stop);
    let client = tokio::select! {
        client = Client::open(url, settings) => client?,
        () = &mut stop => return Err(Error::Interrupted),
    };
    let handshake = client.handshake();
    let line = render::connected_line(
        &crate::connection::redact::url(url),
        handshake.subprotocol.as_deref(),
        handshake.compression.as_ref(),
    );
    notice(console, line, quiet);
    Ok((client, stop))
}

/// The outcome of a connection the peer ended: normal codes are a success,
/// others and a dropped connection are errors that say what happened.
pub(super) fn outcome(info: &CloseInfo) -> Result<()> {
    match info.by {
        Closer::Dropped => Err(Error::Connection(
            info.error
                .clone()
                .unwrap_or_else(|| "the connection was dropped".into()),
        )),
        _ if info.is_normal() => Ok(()),
        _ => Err(Error::Closed {
            code: info.code,
            reason: info.reason.clone(),
            meaning: info.code_meaning().to_string(),
        }),
    }
}

/// Closes with 1001 when our side ends the connection: Ctrl+C or SIGTERM
/// (`output` is `None`) or an output that failed, where a closed pipe
/// ends quietly with status 0. After Ctrl+C, a close frame that could not
/// even be written (the server reads nothing) is not waited for.
pub(super) async fn leave(client: &mut Client, output: Option<std::io::Error>) -> Result<i32> {
    if output.is_some() || !client.is_blocked() {
        client.close_and_wait(1001, "").await;
    }
    match output {
        None => Err(Error::Interrupted),
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Some(e) => Err(Error::io("cannot write the output", e)),
    }
}

/// A note about the connection: on standard error (standard output is
/// the data's) and in the transcripts; with `-q`, in the transcripts only.
pub(super) fn notice(console: &Console, line: Line, quiet: bool) {
    match quiet {
        true => console.emit(Stream::SinksOnly, line),
        false => console.err(line),
    }
}

/// The end of a close we started: a warning when the server never
/// answered it (everything was sent, so still a success), then the status
/// as [`outcome`] gives it.
pub(super) fn closed(console: &Console, info: &CloseInfo, quiet: bool) -> Result<()> {
    if let (Closer::Us, Some(why)) = (info.by, &info.error) {
        notice(
            console,
            Line::of(Role::Warning, format!("Closed: {why}.")),
            quiet,
        );
    }
    outcome(info)
}

/// `-d SECONDS` as a duration.
pub(super) fn duration(seconds: Option<f64>) -> Result<Option<Duration>> {
    seconds.map(|s| super::seconds("--duration", s)).transpose()
}
