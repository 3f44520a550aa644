//! Client connections and what they share with the echo server. The
//! client core ([`client`]) is one connection as a user asked for it, with
//! its dial, engine, keepalive, preamble, reconnect and close; every client
//! command drives one. [`Connection`] is the blocking, cloneable handle the
//! engine and the prompt use, with a task of its own ([`task`]). This module
//! knows nothing of Rhai or the console: it reports what happens through an
//! [`Observer`] and keeps messages for `recv` in its inbox.

mod client;
mod close;
pub mod deflate;
mod dial;
mod engine;
mod handle;
mod keepalive;
mod options;
mod proxy;
mod read_ahead;
mod reconnect;
pub mod redact;
mod task;
mod tls;
pub mod url;

pub use crate::message::Message;
pub(crate) use client::{Client, ClientSettings, Event};
pub(crate) use close::close_code_for;
pub use close::{
    check_close_code, check_control_payload, check_reason, close_code_name, parse_close_code,
};
pub(crate) use dial::ws_config;
pub use dial::{Handshake, WsStream, check_options, dial};
pub(crate) use engine::{Engine, Limits, Step, cost as message_cost};
pub use handle::{Connection, RecvError};
pub(crate) use handle::{HandleSettings, Sought};
pub use keepalive::{KeepaliveSettings, Note};
pub use options::{ConnectOptions, TlsFiles};
pub use reconnect::{Preamble, ReconnectSettings};
pub(crate) use task::describe;
pub(crate) use tls::INSECURE_WARNING;

use std::sync::Arc;

use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::error::Error;

/// Who ended a connection.
///
/// ```
/// use ws::{Closer, ConnectOptions, Connection, EchoServer, RecvError};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// drop(server); // a server that stops closes its clients with 1001
/// let Err(RecvError::Closed(info)) = connection.recv(None) else { panic!("still open") };
/// assert_eq!((info.by, info.code), (Closer::Peer, 1001));
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closer {
    /// The peer sent a close frame.
    Peer,
    /// We sent the close frame.
    Us,
    /// The connection broke without a close handshake.
    Dropped,
}

/// How a connection ended: what [`Connection::close`] returns, what
/// [`Connection::close_info`] gives once it has ended, and what
/// [`RecvError::Closed`] carries.
///
/// ```
/// use ws::{Closer, ConnectOptions, Connection, EchoServer};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// let info = connection.close(4000, "done")?;
/// assert_eq!((info.by, info.code, info.reason.as_str()), (Closer::Us, 4000, "done"));
/// assert_eq!(info.error, None);
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseInfo {
    /// Who ended it.
    pub by: Closer,
    /// The close code (1005 when a close frame had none, 1006 when there was no frame).
    pub code: u16,
    /// The close reason, possibly empty.
    pub reason: String,
    /// What broke, for a dropped connection; for a close by the peer with
    /// a code that is not valid on the wire, a note that says so.
    pub error: Option<String>,
}

impl CloseInfo {
    /// Whether the code is a normal one (1000 or 1001).
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert!(connection.close(1000, "")?.is_normal());
    /// let other = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert!(!other.close(1011, "")?.is_normal());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn is_normal(&self) -> bool {
        matches!(self.code, 1000 | 1001)
    }

    /// What the code means ("normal closure"), or for a peer's close with
    /// a code that is not valid, the note that says so.
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert_eq!(connection.close(1000, "")?.code_meaning(), "normal closure");
    /// let other = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert_eq!(other.close(4001, "")?.code_meaning(), "private use");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn code_meaning(&self) -> &str {
        match (&self.by, &self.error) {
            (Closer::Peer, Some(note)) => note,
            _ => close_code_name(self.code),
        }
    }

    /// The peer's close frame (1005 when it carried no code).
    pub(crate) fn from_peer(frame: Option<CloseFrame>) -> CloseInfo {
        CloseInfo {
            by: Closer::Peer,
            code: frame.as_ref().map_or(1005, |f| f.code.into()),
            reason: frame.map(|f| f.reason.to_string()).unwrap_or_default(),
            error: None,
        }
    }

    /// A connection that broke without a close frame (1006).
    pub(crate) fn lost(error: &WsError) -> CloseInfo {
        CloseInfo {
            by: Closer::Dropped,
            code: 1006,
            reason: String::new(),
            error: Some(describe(error)),
        }
    }
}

/// Sees the [`Event`]s of a connection as they happen, on the
/// connection's task: it must not wait (the console hands what it shows to
/// its display thread).
#[derive(Clone)]
pub struct Observer {
    see: Arc<dyn Fn(&Event) + Send + Sync>,
}

impl Observer {
    /// An observer that sees every event.
    pub fn new(see: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        Self { see: Arc::new(see) }
    }

    /// An observer that sees nothing.
    pub fn none() -> Self {
        Self::new(|_| {})
    }

    pub(crate) fn see(&self, event: &Event) {
        (self.see)(event);
    }
}

/// The engine over a client stream.
pub(crate) type ClientEngine =
    Engine<deflate::DeflateStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>>;

/// The error for using a connection that has ended.
pub(crate) fn closed_error(info: &CloseInfo) -> Error {
    match info.by {
        Closer::Peer => Error::Closed {
            code: info.code,
            reason: info.reason.clone(),
            meaning: info.code_meaning().to_string(),
        },
        Closer::Us => Error::Connection(format!(
            "the connection is closed (we closed it with code {}){}",
            info.code,
            crate::error::reason_suffix(&info.reason)
        )),
        Closer::Dropped => Error::Connection(format!(
            "the connection is closed: {}",
            info.error.as_deref().unwrap_or("it was dropped")
        )),
    }
}

impl From<RecvError> for Error {
    fn from(e: RecvError) -> Self {
        match e {
            RecvError::Timeout(after) => Error::Timeout {
                what: "no message arrived".into(),
                after,
                hint: String::new(),
            },
            RecvError::Interrupted => Error::Interrupted,
            RecvError::Closed(info) => closed_error(&info),
            RecvError::Reconnected => {
                Error::Connection("a new connection opened while waiting for a message".into())
            }
        }
    }
}
