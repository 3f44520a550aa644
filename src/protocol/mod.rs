//! Application protocols spoken over a websocket: Socket.IO (Engine.IO v4),
//! GraphQL over WebSocket (`graphql-transport-ws`, and the older
//! `graphql-ws`), STOMP 1.2 and JSON-RPC 2.0.
//!
//! A [`Protocol`] sits in the client core, on the connection's side: it
//! changes the handshake (a path, the subprotocols offered), runs the
//! opening exchange before the connection counts as open, answers and
//! sends its own keepalive whether or not anyone reads, and turns each
//! frame from the server into what it means ([`Incoming`]). What it decodes
//! reaches `recv`, the display, transcripts and `--jsonl` as a
//! [`Decoded`] message; its own traffic is shown only with `-v`.
//!
//! What a script or a session line sends (an event, a subscription, a
//! call) is made by the functions of each protocol's module, on the
//! caller's side: they need the connection's ids, not its task.

use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

use crate::error::{Error, Result};
pub use crate::message::Decoded;
use crate::message::Message;

pub(crate) mod graphql;
pub(crate) mod jsonrpc;
pub(crate) mod socketio;
pub(crate) mod stomp;

/// One application protocol, as the client core drives it. A new
/// connection (a reconnect too) starts from [`Protocol::opened`].
///
/// An embedder can speak a protocol of its own; this one answers `ping`
/// with `pong` and decodes the rest as JSON:
///
/// ```
/// use ws::protocol::{Decoded, Incoming, Outbox, Protocol};
///
/// struct Pinger;
///
/// impl Protocol for Pinger {
///     fn name(&self) -> &'static str {
///         "pinger"
///     }
///     fn incoming(&mut self, message: &ws::Message, out: &mut Outbox) -> Incoming {
///         match message {
///             ws::Message::Text(text) if text == "ping" => {
///                 out.text("pong");
///                 Incoming::Own("ping".into())
///             }
///             ws::Message::Text(text) => match serde_json::from_str(text) {
///                 Ok(value) => Incoming::Message(Decoded::new("json", value)),
///                 Err(e) => Incoming::Malformed(format!("not JSON: {e}")),
///             },
///             _ => Incoming::Malformed("a binary frame".into()),
///         }
///     }
/// }
///
/// let mut out = Outbox::default();
/// let seen = Pinger.incoming(&ws::Message::Text("ping".into()), &mut out);
/// assert!(matches!(seen, Incoming::Own(_)));
/// assert_eq!(out.take(), vec![ws::Message::Text("pong".into())]);
/// ```
pub trait Protocol: Send {
    /// Its name, as `--protocol` takes it.
    fn name(&self) -> &'static str;

    /// Changes the handshake request (path, subprotocols, headers); called
    /// once, before the first connection.
    fn prepare(&mut self, request: &mut Request) {
        let _ = request;
    }

    /// A connection is open; `subprotocol` is the one the server chose.
    /// Queues the opening frames.
    fn opened(&mut self, subprotocol: Option<&str>, out: &mut Outbox) {
        let _ = (subprotocol, out);
    }

    /// Whether the opening exchange is done: until then the connection
    /// is not handed to its user, and nothing of theirs is sent.
    fn is_ready(&self) -> bool {
        true
    }

    /// A data message from the server: what it is; replies go to `out`.
    fn incoming(&mut self, message: &Message, out: &mut Outbox) -> Incoming;

    /// The user closes the connection: queue the protocol's goodbye (STOMP's
    /// DISCONNECT, Socket.IO's leaving of its namespace), written before the
    /// websocket's close.
    fn closing(&mut self, out: &mut Outbox) {
        let _ = out;
    }

    /// The connection stopped reading (its receive queue is full) or read
    /// again: a protocol that watches the server's silence must not count
    /// the pause against it.
    fn reading(&mut self, on: bool) {
        let _ = on;
    }

    /// When the protocol next wants to act on its own (a heart-beat).
    fn deadline(&self) -> Option<Instant> {
        None
    }

    /// The deadline has come: queue a heart-beat, or say the server went
    /// silent (a sentence that ends the connection).
    fn tick(&mut self, now: Instant, out: &mut Outbox) -> Option<String> {
        let _ = (now, out);
        None
    }
}

/// What a frame from the server is, for its protocol.
#[derive(Debug)]
pub enum Incoming {
    /// The protocol's own traffic (a keepalive, an acknowledgement),
    /// answered if it asks for it; shown only with `-v`. The label names it.
    Own(String),
    /// A message for the application.
    Message(Decoded),
    /// The server refused the opening exchange (a namespace, credentials):
    /// the connection fails with this sentence.
    Refused(String),
    /// Not a frame of the protocol: shown as it came, with why, and kept
    /// for `recv` as it came.
    Malformed(String),
}

/// A text frame read as JSON, for the protocols that speak JSON text;
/// otherwise the malformed frame, saying what `expected` (a binary frame,
/// or text that is not JSON).
pub(crate) fn json_text(message: &Message, expected: &str) -> Result<Value, Incoming> {
    let Message::Text(text) = message else {
        return Err(Incoming::Malformed(format!("a binary frame: {expected}")));
    };
    serde_json::from_str(text)
        .map_err(|e| Incoming::Malformed(format!("not JSON ({e}): {expected}")))
}

/// The handshake request, as a protocol may change it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// The server's host name, as the URL gives it.
    pub host: String,
    /// The URL's path and query (`/chat?room=1`).
    pub path: String,
    /// The subprotocols offered, in order of preference.
    pub subprotocols: Vec<String>,
    /// Headers added to the request.
    pub headers: Vec<(String, String)>,
}

/// Frames a protocol queues to send, in order.
#[derive(Debug, Default)]
pub struct Outbox {
    frames: Vec<Message>,
}

impl Outbox {
    /// Queues a text frame.
    pub fn text(&mut self, text: impl Into<String>) {
        self.frames.push(Message::Text(text.into()));
    }

    /// Takes what was queued.
    pub fn take(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.frames)
    }
}

/// Which protocol a connection speaks: a maker of its adapter (each
/// connection, a reconnect too, gets a fresh one).
///
/// ```
/// use ws::protocol::Speaks;
///
/// let socketio = Speaks::named("socketio", None)?;
/// let options = ws::ConnectOptions { protocol: Some(socketio.clone()), ..Default::default() };
/// assert_eq!(socketio.name(), "socketio");
/// assert!(Speaks::named("mqtt", None).is_err());
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone)]
pub struct Speaks {
    name: &'static str,
    make: Arc<dyn Fn() -> Result<Box<dyn Protocol>> + Send + Sync>,
}

impl Speaks {
    /// A protocol of the embedder's own, made afresh for each connection.
    ///
    /// ```
    /// use ws::protocol::{Decoded, Incoming, Outbox, Protocol, Speaks};
    /// use ws::{ConnectOptions, Connection, EchoServer, Message};
    ///
    /// /// Every text is a JSON document.
    /// struct Json;
    ///
    /// impl Protocol for Json {
    ///     fn name(&self) -> &'static str {
    ///         "json"
    ///     }
    ///     fn incoming(&mut self, message: &Message, _: &mut Outbox) -> Incoming {
    ///         let Message::Text(text) = message else {
    ///             return Incoming::Malformed("a binary frame".into());
    ///         };
    ///         match serde_json::from_str(text) {
    ///             Ok(value) => Incoming::Message(Decoded::new("json", value)),
    ///             Err(e) => Incoming::Malformed(format!("not JSON: {e}")),
    ///         }
    ///     }
    /// }
    ///
    /// let server = EchoServer::start()?;
    /// let options = ConnectOptions { protocol: Some(Speaks::new(|| Json)), ..Default::default() };
    /// let connection = Connection::open(&server.url(), &options)?;
    /// connection.send_text(r#"{"n": 1}"#.into())?;
    /// let Message::Decoded(decoded) = connection.recv(None)? else { panic!("not decoded") };
    /// assert_eq!(decoded.summary, r#"json {"n":1}"#);
    /// assert_eq!(decoded.value["n"], 1);
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn new<P: Protocol + 'static>(make: impl Fn() -> P + Send + Sync + 'static) -> Speaks {
        let name = make().name();
        Speaks {
            name,
            make: Arc::new(move || Ok(Box::new(make()))),
        }
    }

    /// One of the protocols `ws` speaks (`socketio`, `graphql`, `stomp`,
    /// `jsonrpc`), with the opening exchange's credentials: Socket.IO's
    /// `auth`, GraphQL's `connection_init` payload, STOMP's `CONNECT`
    /// headers (a JSON object of strings). Credentials that do not suit
    /// the protocol are refused when a connection opens.
    pub fn named(name: &str, init: Option<Value>) -> Result<Speaks> {
        let Some(name) = NAMES.into_iter().find(|n| *n == name) else {
            return Err(unknown(name));
        };
        Ok(Speaks {
            name,
            make: Arc::new(move || by_name(name, init.as_ref())),
        })
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// A fresh adapter.
    pub(crate) fn make(&self) -> Result<Box<dyn Protocol>> {
        (self.make)()
    }
}

impl std::fmt::Debug for Speaks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Speaks").field(&self.name).finish()
    }
}

impl PartialEq for Speaks {
    fn eq(&self, other: &Speaks) -> bool {
        self.name == other.name
    }
}

/// The protocols `--protocol` knows.
pub(crate) const NAMES: [&str; 4] = ["socketio", "graphql", "stomp", "jsonrpc"];

/// The adapter for `name`, with the opening exchange's credentials
/// (`--protocol-init`: Socket.IO's `auth`, GraphQL's `connection_init`
/// payload, STOMP's `CONNECT` headers).
pub(crate) fn by_name(name: &str, init: Option<&Value>) -> Result<Box<dyn Protocol>> {
    Ok(match name {
        "socketio" => Box::new(socketio::SocketIo::new(init.cloned())),
        "graphql" => Box::new(graphql::Graphql::new(init.cloned())),
        "stomp" => Box::new(stomp::Stomp::new(init)?),
        "jsonrpc" => Box::new(jsonrpc::JsonRpc),
        other => return Err(unknown(other)),
    })
}

fn unknown(name: &str) -> Error {
    Error::Usage(format!(
        "{name:?} is not a protocol ws speaks; use one of {}",
        NAMES.join(", ")
    ))
}
