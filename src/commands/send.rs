//! `ws text` and `ws byte`: one message, then the close handshake. The
//! message is read first (`file@PATH`, `-` for standard input), so nothing
//! is sent when it cannot be; then connect, send, print the first
//! `--replies N` messages received (as `ws pipe` prints them; at most
//! `response_timeout` in all), close with 1000 and wait for the server's
//! close frame (bounded by `disconnect_timeout`), and exit.
//! How the server ended the connection decides the status: a close code
//! other than 1000 or 1001 (1009 for a message too big, say) is an error,
//! and so is a server that stops reading for `send_timeout`, or one that
//! closes (with any code) before the message is out. Ctrl+C or
//! SIGTERM while it connects or writes ends it (closing with 1001 once
//! connected) with status 130.

use std::path::Path;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::client;
use super::pipe::{Mode, Output};
use crate::bounded;
use crate::cancel::{deadline, until};
use crate::cli::SendArgs;
use crate::connection::{Client, CloseInfo, Closer, Event, url};
use crate::console::Console;
use crate::console::render::sent_line;
use crate::error::{Error, Result, reason_suffix};
use crate::runtime::runtime;

/// Which frame to send.
pub(crate) enum Kind {
    Text,
    Binary,
}

pub(crate) fn run(args: SendArgs, kind: Kind) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let command = match kind {
        Kind::Text => "ws text",
        Kind::Binary => "ws byte",
    };
    let (settings, options) = super::client_settings(&args.connect, None, &[], None)?;
    let core = client::settings(&settings, options, command, args.shown.verbose)?;
    let bytes = read_message(&args.message, settings.max_message_size)?;
    let message = match kind {
        Kind::Text => WsMessage::text(into_text(bytes, &args.message)?),
        Kind::Binary => WsMessage::binary(bytes),
    };
    let size = message.len();
    if size > settings.max_message_size {
        return Err(Error::Usage(format!(
            "the message is {size} bytes long, over max_message_size ({} bytes); raise it with --max-message-size",
            settings.max_message_size
        )));
    }
    let console = Console::stdio();
    let quiet = args.shown.quiet;
    runtime()?.block_on(async {
        let (mut client, mut stop) = client::connect(&url, core, &console, quiet).await?;
        let (measured, mut on_wire) = oneshot::channel();
        client.send_measured(message, measured);
        if let Some(wanted) = args.replies {
            // The replies are read while the message is written: a server
            // may answer (or greet) before the last byte is out.
            let mode = if args.jsonl { Mode::Jsonl } else { Mode::Text };
            let patience = settings.response_timeout;
            let replies = tokio::select! {
                replies = replies(&mut client, wanted, Output::new(mode), patience) => replies,
                () = &mut stop => return client::leave(&mut client, None).await,
            };
            client::notice(&console, sent_line(size, on_wire.try_recv().ok()), quiet);
            match replies {
                Replies::All => {}
                Replies::Ended(info) => {
                    client::outcome(&info)?;
                    return Err(too_few(
                        wanted,
                        "the server closed the connection",
                        patience,
                    ));
                }
                Replies::Late(got) => {
                    client.close(1000, "");
                    return Err(too_few(wanted, &format!("only {got} came"), patience));
                }
                Replies::Output(e) => return client::leave(&mut client, Some(e)).await,
            }
        } else {
            let written = tokio::select! {
                written = client.write_out() => written,
                // Ctrl+C or SIGTERM while the server is slow to take it.
                () = &mut stop => return client::leave(&mut client, None).await,
            };
            written.map_err(|info| not_sent(&info))?;
            if !quiet {
                console.out(sent_line(size, on_wire.await.ok()));
            }
        }
        let info = client.close_and_wait(1000, "").await;
        client::closed(&console, &info, quiet).map(|()| 0)
    })
}

/// How the wait for `--replies` ended.
enum Replies {
    All,
    /// The connection ended first.
    Ended(CloseInfo),
    /// `response_timeout` passed with this many printed.
    Late(u64),
    /// Standard output failed.
    Output(std::io::Error),
}

/// Prints the first `wanted` messages received, as `ws pipe` does, for at
/// most `patience` in all.
async fn replies(
    client: &mut Client,
    wanted: u64,
    mut output: Output,
    patience: Option<Duration>,
) -> Replies {
    let late = until(deadline(patience));
    tokio::pin!(late);
    let mut got = 0;
    while got < wanted {
        let event = tokio::select! {
            event = client.next() => event,
            () = &mut late => return Replies::Late(got),
        };
        match event {
            Event::Message(message) => {
                got += 1;
                if let Err(e) = output.message(&message) {
                    return Replies::Output(e);
                }
            }
            Event::Closed(info) => {
                let _ = output.flush();
                return Replies::Ended(info);
            }
            _ => {}
        }
    }
    match output.flush() {
        Ok(()) => Replies::All,
        Err(e) => Replies::Output(e),
    }
}

fn too_few(wanted: u64, why: &str, patience: Option<Duration>) -> Error {
    let within = patience.map_or(String::new(), |p| {
        format!(" within {} s (response_timeout)", p.as_secs_f64())
    });
    Error::Connection(format!(
        "{wanted} {} asked for{within}, but {why}",
        if wanted == 1 {
            "reply was"
        } else {
            "replies were"
        }
    ))
}

/// Why the message never went out: the connection ended first, a close
/// with 1000 as much as a drop (a server that closes discards what comes
/// after its close frame).
fn not_sent(info: &CloseInfo) -> Error {
    let why = match client::outcome(info) {
        Err(error) if info.by != Closer::Peer => error.to_string(),
        _ => format!(
            "the server closed the connection first, with code {} ({}){}",
            info.code,
            info.code_meaning(),
            reason_suffix(&info.reason)
        ),
    };
    Error::Connection(format!("the message was not sent: {why}"))
}

/// The bytes of a message argument: `file@PATH` is the file's content, `-`
/// standard input, anything else the text itself. A file or standard
/// input is read only up to `max_message_size`.
fn read_message(argument: &str, max_message_size: usize) -> Result<Vec<u8>> {
    let too_large = |what: &str| {
        let why = bounded::too_large(what, "max_message_size", max_message_size);
        Error::Usage(format!("{why}; raise it with --max-message-size"))
    };
    if let Some(path) = argument.strip_prefix("file@") {
        return bounded::read_file(path, max_message_size)
            .map_err(|e| Error::file("read", path, e))?
            .ok_or_else(|| too_large(&Path::new(path).display().to_string()));
    }
    if argument == "-" {
        return bounded::read_at_most(std::io::stdin().lock(), max_message_size)
            .map_err(|e| Error::io("cannot read standard input", e))?
            .ok_or_else(|| too_large("standard input"));
    }
    Ok(argument.as_bytes().to_vec())
}

fn into_text(bytes: Vec<u8>, argument: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| {
        let source = match argument.strip_prefix("file@") {
            Some(path) => Path::new(path).display().to_string(),
            None => "standard input".to_string(),
        };
        Error::Usage(format!(
            "{source} is not UTF-8 text; send it as binary with ws byte"
        ))
    })
}
