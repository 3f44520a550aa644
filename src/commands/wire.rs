//! What the one-shot client commands share: the exit status of a
//! connection's end, the stop signals and the deadline of `-d`, and the
//! [`Dialer`] that opens (and with `--reconnect`, reopens) a connection
//! and sends the preamble on each.

use std::pin::Pin;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use tokio::time::Instant;

use crate::connection::deflate::SentSizes;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::connection::{
    Attempts, ClientEngine, CloseInfo, Closer, ConnectOptions, Handshake, Preamble, Retry,
    client_engine,
};
use crate::error::{Error, Result};

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
        _ => Err(Error::AbnormalClose {
            code: info.code,
            meaning: info.code_meaning().to_string(),
            reason: info.reason.clone(),
        }),
    }
}

/// Installs the handlers of SIGINT and of the signals that end the
/// process (SIGTERM, SIGHUP, SIGQUIT) now (call it inside the runtime);
/// the future completes on the first of them.
pub(super) fn stop_signal() -> Result<impl Future<Output = ()>> {
    let failed = |e| Error::io("cannot install the signal handlers", e);
    let mut int = signal(SignalKind::interrupt()).map_err(failed)?;
    let end = crate::repl::signals::ending().map_err(failed)?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            () = end => {}
        }
    })
}

/// Runs `work` (the connect, say) unless a stop signal comes first: a
/// Ctrl+C or SIGTERM ends a wait of up to `connect_timeout` at once.
pub(super) async fn unless_stopped<T>(
    work: impl Future<Output = Result<T>>,
    stop: Pin<&mut impl Future<Output = ()>>,
) -> Result<T> {
    tokio::select! {
        done = work => done,
        () = stop => Err(Error::Interrupted),
    }
}

/// Completes after `duration`, or never.
pub(super) async fn sleep_for(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
        None => std::future::pending().await,
    }
}

/// Completes at `deadline`, or never.
pub(super) async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// `-d SECONDS` as a duration.
pub(super) fn duration(seconds: Option<f64>) -> Result<Option<Duration>> {
    seconds.map(|s| super::seconds("--duration", s)).transpose()
}

/// Dials `url` and puts the connection on the engine with the settings'
/// deadlines and keepalive; also gives what the handshake settled.
pub(super) async fn open(
    url: &str,
    options: &crate::connection::ConnectOptions,
    settings: &crate::settings::Settings,
) -> Result<(ClientEngine, crate::connection::Handshake)> {
    let (ws, handshake) = crate::connection::dial(url, options).await?;
    Ok((engine(ws, settings), handshake))
}

/// The engine over a dialled stream, with the settings' deadlines and
/// keepalive.
fn engine(ws: crate::connection::WsStream, settings: &crate::settings::Settings) -> ClientEngine {
    client_engine(
        ws,
        settings.send_timeout,
        settings.disconnect_timeout,
        settings.keepalive(),
    )
}

/// Closes with 1001 when our side ends the connection: Ctrl+C or SIGTERM
/// (`output` is `None`) or an output that failed, where a closed pipe
/// ends quietly with status 0.
pub(crate) async fn leave(
    engine: &mut ClientEngine,
    output: Option<std::io::Error>,
) -> Result<i32> {
    engine.close_and_wait(1001, "").await;
    match output {
        None => Err(Error::Interrupted),
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Some(e) => Err(Error::io("cannot write the output", e)),
    }
}

/// Opens a command's connection with its settings, sends the preamble
/// first on each, and opens a new one after an abnormal end when
/// `--reconnect` asks for it (the policy is
/// [`crate::connection::retries`] and its backoff).
pub(super) struct Dialer<'a> {
    url: &'a str,
    options: &'a ConnectOptions,
    settings: &'a crate::settings::Settings,
    attempts: Option<Attempts>,
    preamble: Vec<String>,
}

impl<'a> Dialer<'a> {
    /// A dialer for `command` (named in the refusal of a script preamble).
    pub(super) fn new(
        url: &'a str,
        options: &'a ConnectOptions,
        settings: &'a crate::settings::Settings,
        command: &str,
    ) -> Result<Dialer<'a>> {
        Ok(Dialer {
            url,
            options,
            settings,
            attempts: settings.reconnect.map(Attempts::new),
            preamble: text_preamble(settings, command)?,
        })
    }

    /// Dials and queues the preamble; also gives what the handshake settled.
    pub(super) async fn open(&self) -> Result<(ClientEngine, Handshake)> {
        let (engine, handshake) = open(self.url, self.options, self.settings).await?;
        Ok((self.started(engine), handshake))
    }

    /// Like [`open`](Self::open), with the size on the wire of each data
    /// message written when compression is on (the preamble's first).
    pub(super) async fn open_measured(&self) -> Result<(ClientEngine, Option<SentSizes>)> {
        let (mut ws, handshake) = crate::connection::dial(self.url, self.options).await?;
        let sizes = handshake.compression.map(|_| ws.get_mut().log_sent_sizes());
        Ok((self.started(engine(ws, self.settings)), sizes))
    }

    fn started(&self, mut engine: ClientEngine) -> ClientEngine {
        for line in &self.preamble {
            engine.queue(WsMessage::text(line.as_str()));
        }
        engine
    }

    /// Whether a connection that ended so is to be opened again.
    pub(super) fn retries(&self, info: &CloseInfo) -> bool {
        self.attempts.is_some() && crate::connection::retries(info)
    }

    /// Opens a new connection after `lost`, telling `report` of each
    /// attempt: the engine and the attempt that made it, or the end once
    /// the attempts are spent.
    pub(super) async fn reopen(
        &mut self,
        lost: &CloseInfo,
        report: impl FnMut(&Retry),
    ) -> std::result::Result<(ClientEngine, u32), CloseInfo> {
        let Some(attempts) = self.attempts.as_mut() else {
            return Err(lost.clone());
        };
        let (ws, _, attempt) = attempts
            .redial(self.url, self.options, lost, report)
            .await?;
        Ok((self.started(engine(ws, self.settings)), attempt))
    }
}

/// Refuses `--reconnect` on a command that makes one exchange on one
/// connection (the `reconnect` setting of a file is not for it and is
/// left alone).
pub(super) fn refuse_reconnect(flags: &crate::cli::ConnectArgs, command: &str) -> Result<()> {
    match flags.reconnect {
        Some(_) => Err(Error::Usage(format!(
            "{command} makes one exchange on one connection, so --reconnect does not apply; it is for ws session, run, test, listen and pipe"
        ))),
        None => Ok(()),
    }
}

/// The text lines of the preamble, if any; a Rhai preamble is refused by
/// the commands that run no Rhai.
pub(super) fn text_preamble(
    settings: &crate::settings::Settings,
    command: &str,
) -> Result<Vec<String>> {
    match &settings.preamble {
        None => Ok(Vec::new()),
        Some(Preamble::Lines(lines)) => Ok(lines.clone()),
        Some(Preamble::Script { path, .. }) => Err(Error::Usage(format!(
            "--preamble {} is a Rhai script; {command} sends a preamble of text lines, one message a line",
            path.display()
        ))),
    }
}
