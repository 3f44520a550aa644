//! What travels: a [`Message`] from the peer (text, binary, or decoded by
//! an application protocol) and the [`Decoded`] form. Both the connection
//! and the protocols stand on it, and it knows neither.

use serde_json::Value;

/// A message from the peer.
///
/// ```
/// use ws::{ConnectOptions, Connection, EchoServer, Message};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// connection.send_text("hi".into())?;
/// match connection.recv(None)? {
///     Message::Text(text) => assert_eq!(text, "hi"),
///     other => panic!("a text was sent, {other:?} came"),
/// }
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
    /// A message of the connection's application protocol, decoded
    /// (`--protocol`; see [`crate::protocol`]).
    Decoded(Decoded),
}

impl Message {
    /// The payload's size in bytes (for a decoded message, of its summary).
    ///
    /// ```
    /// assert_eq!(ws::Message::Text("héllo".into()).len(), 6);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
            Message::Decoded(decoded) => decoded.summary.len(),
        }
    }

    /// The bytes a pipe writes for it: the payload, or a decoded
    /// message's value as JSON.
    pub(crate) fn payload(&self) -> std::borrow::Cow<'_, [u8]> {
        match self {
            Message::Text(text) => text.as_bytes().into(),
            Message::Binary(bytes) => bytes.as_slice().into(),
            Message::Decoded(decoded) => decoded.value.to_string().into_bytes().into(),
        }
    }

    /// Whether the payload is empty.
    ///
    /// ```
    /// assert!(ws::Message::Binary(Vec::new()).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A message as its protocol reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The line shown for it, after `< `: `event said {"from":"ada"}`.
    pub summary: String,
    /// What `recv` returns: a map with the message's parts.
    pub value: Value,
}

impl Decoded {
    /// A message shown as `kind` and its value as compact JSON.
    pub fn new(kind: &str, value: Value) -> Decoded {
        Decoded {
            summary: format!("{kind} {value}"),
            value,
        }
    }
}
