//! How a connection ends: who closed it and with what ([`CloseInfo`]),
//! the sentence for a connection that broke, and the rules of RFC 6455 on
//! what we send (close codes, close reasons, control-frame payloads), each
//! check refusing with a message that names the value and what is allowed;
//! the code that tells a peer what it broke. The close handshake itself is
//! the engine's (see [`super::engine`]).

use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::deflate::InflateError;
use crate::error::{Error, Result};

/// The largest payload of a ping, pong or close frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// The largest close reason (125 less the two bytes of the code).
pub const MAX_REASON: usize = 123;

/// Refuses a close code that an endpoint may not send.
pub fn check_close_code(code: u16) -> Result<()> {
    if matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999) {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{code} is not a close code that may be sent; use 1000-1003, 1007-1014 or 3000-4999"
    )))
}

/// Parses a close code typed by the user.
pub fn parse_close_code(text: &str) -> Result<u16> {
    let code = text.trim().parse::<u16>().map_err(|_| {
        Error::Usage(format!(
            "{text} is not a close code; use an integer in 1000-1003, 1007-1014 or 3000-4999"
        ))
    })?;
    check_close_code(code)?;
    Ok(code)
}

/// Refuses a close reason over 123 bytes.
pub fn check_reason(reason: &str) -> Result<()> {
    if reason.len() > MAX_REASON {
        return Err(Error::Usage(format!(
            "the close reason is {} bytes long; it can be at most {MAX_REASON} bytes",
            reason.len()
        )));
    }
    Ok(())
}

/// Refuses a ping or pong payload over 125 bytes.
pub fn check_control_payload(len: usize) -> Result<()> {
    if len > MAX_CONTROL_PAYLOAD {
        return Err(Error::Usage(format!(
            "the message is {len} bytes long; a ping or pong can carry at most {MAX_CONTROL_PAYLOAD} bytes"
        )));
    }
    Ok(())
}

/// The registered name of a close code, for display.
pub fn close_code_name(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status received",
        1006 => "abnormal closure",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failure",
        3000..=3999 => "registered",
        4000..=4999 => "private use",
        _ => "unknown",
    }
}

/// The close code for a peer that broke the rules, if it can be told:
/// 1009 for a message too big (also once inflated), 1007 for invalid UTF-8
/// or compressed data that does not inflate, 1002 for other protocol
/// errors; none for a connection that is simply gone.
pub(crate) fn close_code_for(error: &WsError) -> Option<CloseCode> {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => Some(CloseCode::Size),
        WsError::Io(e) => match super::deflate::inflate_error(e)? {
            InflateError::TooBig { .. } => Some(CloseCode::Size),
            InflateError::Corrupt => Some(CloseCode::Invalid),
        },
        WsError::Utf8(_) => Some(CloseCode::Invalid),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        WsError::Protocol(_) => Some(CloseCode::Protocol),
        _ => None,
    }
}

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
/// [`Connection::close`]: crate::Connection::close
/// [`Connection::close_info`]: crate::Connection::close_info
/// [`RecvError::Closed`]: crate::RecvError::Closed
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

    /// A close we started.
    pub(crate) fn ours(code: u16, reason: &str) -> CloseInfo {
        let reason = reason.to_string();
        CloseInfo {
            by: Closer::Us,
            code,
            reason,
            error: None,
        }
    }

    /// A connection that ended without a close frame (1006), and why.
    pub(crate) fn dropped(why: impl Into<String>) -> CloseInfo {
        let error = Some(why.into());
        CloseInfo {
            by: Closer::Dropped,
            code: 1006,
            reason: String::new(),
            error,
        }
    }

    /// A connection that broke without a close frame (1006).
    pub(crate) fn lost(error: &WsError) -> CloseInfo {
        CloseInfo::dropped(describe(error))
    }
}

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

/// A broken connection, described in one sentence.
pub(crate) fn describe(error: &WsError) -> String {
    match error {
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)
        | WsError::ConnectionClosed
        | WsError::AlreadyClosed => "the connection was dropped without a close frame".into(),
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => format!(
            "a message of {size} bytes arrived, over max_message_size ({max_size} bytes); raise it with --max-message-size"
        ),
        WsError::Utf8(_) => {
            "the server sent text that is not valid UTF-8 (in a text message or a close reason)"
                .into()
        }
        WsError::Protocol(e) => format!("the server broke the websocket protocol: {e}"),
        WsError::Io(e) => match super::deflate::inflate_error(e) {
            Some(refused) => refused.to_string(),
            None => format!("the connection was dropped: {}", crate::error::io_reason(e)),
        },
        other => format!("the connection failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes() {
        for ok in [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(check_close_code(ok).is_ok(), "{ok}");
        }
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
            let e = check_close_code(bad).unwrap_err().to_string();
            assert!(
                e.contains(&bad.to_string()) && e.contains("3000-4999"),
                "{e}"
            );
        }
        assert!(
            parse_close_code("abc")
                .unwrap_err()
                .to_string()
                .contains("abc")
        );
        assert!(parse_close_code("70000").is_err());
    }

    #[test]
    fn payload_limits_name_the_numbers() {
        assert!(check_reason(&"x".repeat(123)).is_ok());
        let e = check_reason(&"x".repeat(124)).unwrap_err().to_string();
        assert!(e.contains("124") && e.contains("123"), "{e}");
        assert!(check_control_payload(125).is_ok());
        let e = check_control_payload(126).unwrap_err().to_string();
        assert!(e.contains("126") && e.contains("125"), "{e}");
    }
}
