//! What the one-shot client commands share: the exit status of a
//! connection's end, the stop signals and the deadline of `-d`.

use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::connection::{ClientEngine, CloseInfo, Closer, client_engine};
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

/// Completes after `duration`, or never.
pub(super) async fn sleep_for(duration: Option<Duration>) {
    match duration {
        Some(duration) => tokio::time::sleep(duration).await,
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
    let engine = client_engine(
        ws,
        settings.send_timeout,
        settings.disconnect_timeout,
        settings.keepalive(),
    );
    Ok((engine, handshake))
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
