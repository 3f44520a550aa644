//! What the one-shot client commands share on the wire: the close
//! handshake, how a connection ended, the stop signals and the deadline of
//! `-d`, and the exit status of a connection's end.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::signal::unix::{SignalKind, signal};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use crate::connection::{CloseInfo, Closer, WsStream, describe};
use crate::error::{Error, Result};

/// Sends our close frame and reads until the peer's close frame or the end
/// of the stream, at most `linger`. Failures only cut the wait short: the
/// peer may be gone already.
pub(super) async fn close(ws: &mut WsStream, code: u16, linger: Duration) {
    let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: "".into(),
    };
    if ws.send(WsMessage::Close(Some(frame))).await.is_err() {
        return;
    }
    let answer = async {
        while let Some(Ok(message)) = ws.next().await {
            if message.is_close() {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(linger, answer).await;
}

/// Tells the peer why we give up on a connection it broke (1009, 1007 or
/// 1002), without waiting long: it may be gone.
pub(super) async fn refuse(ws: &mut WsStream, error: &WsError) {
    if let Some(code) = crate::server::close_code_for(error) {
        let frame = CloseFrame {
            code,
            reason: "".into(),
        };
        let send = ws.send(WsMessage::Close(Some(frame)));
        let _ = tokio::time::timeout(Duration::from_secs(1), send).await;
    }
}

/// The peer's close frame as a [`CloseInfo`].
pub(super) fn peer_close(frame: Option<CloseFrame>) -> CloseInfo {
    CloseInfo {
        by: Closer::Peer,
        code: frame.as_ref().map_or(1005, |f| f.code.into()),
        reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
        error: None,
    }
}

/// A connection that broke, as a [`CloseInfo`].
pub(super) fn lost(error: &WsError) -> CloseInfo {
    CloseInfo {
        by: Closer::Dropped,
        code: 1006,
        reason: String::new(),
        error: Some(describe(error)),
    }
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
        _ => Err(Error::AbnormalClose {
            code: info.code,
            reason: info.reason.clone(),
        }),
    }
}

/// Installs the SIGINT and SIGTERM handlers now (call it inside the
/// runtime); the future completes on the first of them.
pub(super) fn stop_signal() -> Result<impl Future<Output = ()>> {
    let install =
        |kind| signal(kind).map_err(|e| Error::io("cannot install the signal handlers", e));
    let mut int = install(SignalKind::interrupt())?;
    let mut term = install(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
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
    seconds
        .map(|s| super::parse_seconds("--duration", &s.to_string()))
        .transpose()
}
