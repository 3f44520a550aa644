//! A websocket connection owned by one tokio task, and [`Connection`], the
//! blocking, cloneable handle the engine and the prompt use. This module
//! knows nothing of Rhai or the console: it reports what happens through an
//! [`Observer`] and keeps messages for `recv` in its inbox.

mod close;
pub mod deflate;
mod dial;
mod engine;
mod events;
mod inbox;
mod keepalive;
mod link;
mod options;
mod proxy;
mod read_ahead;
mod reconnect;
pub mod redact;
mod task;
mod tls;
pub mod url;

pub(crate) use close::close_code_for;
pub use close::{
    check_close_code, check_control_payload, check_reason, close_code_name, parse_close_code,
};
pub(crate) use dial::ws_config;
pub use dial::{Handshake, WsStream, check_options, dial};
pub(crate) use engine::{Engine, Limits, Step};
pub use inbox::RecvError;
pub use keepalive::{KeepaliveSettings, Note};
pub use options::{ConnectOptions, TlsFiles};
pub(crate) use reconnect::Attempts;
pub use reconnect::{Preamble, ReconnectSettings, Retry, retries};
pub(crate) use task::describe;
pub(crate) use tls::INSECURE_WARNING;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use tokio::sync::mpsc as tokio_mpsc;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use crate::error::{Error, Result};
use crate::runtime::runtime;
use events::Events;
use inbox::{Bound, Inbox, SLICE};
use link::{Link, Stopped};
use task::Command;

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
///     Message::Binary(bytes) => panic!("a text was sent, {} bytes came", bytes.len()),
/// }
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

impl Message {
    /// The payload's size in bytes.
    ///
    /// ```
    /// assert_eq!(ws::Message::Text("héllo".into()).len(), 6);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
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

/// Something that happened on a connection, reported as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// A message arrived.
    Message(&'a Message),
    /// A ping arrived (the pong is sent automatically).
    Ping(&'a [u8]),
    /// A pong arrived that answers no ping of ours.
    Pong(&'a [u8]),
    /// The receive queue was full and this many old messages were dropped.
    Overflow(usize),
    /// The connection broke and is about to be opened again (`--reconnect`).
    Reconnecting(&'a Retry),
    /// A new connection is open, made by this attempt; the preamble is sent.
    Reconnected(u32),
    /// A keepalive ping went out or its pong came back (reported only to
    /// handles that ask, see [`HandleSettings::keepalive_notes`]).
    Keepalive(Note),
    /// The connection ended.
    Closed(&'a CloseInfo),
}

/// Sees the [`Event`]s of a connection, on a thread of its own, so a
/// terminal or a transcript that is slow never stops the task's reads.
/// An observer may not want to see messages (nothing shows them): while
/// it does not, and the events thread has nothing in hand, the task puts
/// each message in the inbox itself, one thread hop less between the
/// socket and `recv`.
#[derive(Clone)]
pub struct Observer {
    see: Arc<dyn Fn(Event<'_>) + Send + Sync>,
    wants_messages: Arc<dyn Fn() -> bool + Send + Sync>,
}

impl Observer {
    /// An observer that sees every event.
    pub fn new(see: impl Fn(Event<'_>) + Send + Sync + 'static) -> Self {
        Self {
            see: Arc::new(see),
            wants_messages: Arc::new(|| true),
        }
    }

    /// An observer that sees nothing.
    pub fn none() -> Self {
        Self {
            see: Arc::new(|_| {}),
            wants_messages: Arc::new(|| false),
        }
    }

    /// This observer, seeing messages only while `wants` says so (asked
    /// for each message, on the connection's task: it must not wait).
    pub fn messages_when(self, wants: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        Self {
            wants_messages: Arc::new(wants),
            ..self
        }
    }

    pub(crate) fn see(&self, event: Event<'_>) {
        (self.see)(event);
    }

    fn wants_messages(&self) -> bool {
        (self.wants_messages)()
    }
}

/// Settings of a connection handle.
#[derive(Clone, Debug)]
pub struct HandleSettings {
    /// How many messages are kept for `recv`.
    pub queue_size: usize,
    /// How many bytes of messages are kept for `recv` (each counted as its
    /// payload and 64 bytes more); past either bound the oldest go.
    pub queue_bytes: usize,
    /// Whether messages are kept from the start (scripts) or only while
    /// code runs (the session turns this on per line).
    pub keep: bool,
    /// How long a close waits for the peer's close frame.
    pub disconnect_timeout: Duration,
    /// How many bytes may wait to be written before a send waits.
    pub send_buffer_size: usize,
    /// How long the peer may take no data before the connection ends.
    pub send_timeout: Duration,
    /// Keepalive pings, if any.
    pub keepalive: Option<KeepaliveSettings>,
    /// Reconnecting after an abnormal end, if wanted.
    pub reconnect: Option<ReconnectSettings>,
    /// Text messages sent first on every connection.
    pub preamble: Vec<String>,
    /// Report keepalive pings and pongs as events (`--verbose`).
    pub keepalive_notes: bool,
    /// Set to interrupt a send that waits for room, or the wait for the
    /// handshake (Ctrl+C).
    pub interrupt: Arc<AtomicBool>,
}

impl Default for HandleSettings {
    fn default() -> Self {
        Self {
            queue_size: 10_000,
            queue_bytes: 256 * 1024 * 1024,
            keep: true,
            disconnect_timeout: Duration::from_secs(5),
            send_buffer_size: 4 * 1024 * 1024,
            send_timeout: Duration::from_secs(30),
            keepalive: None,
            reconnect: None,
            preamble: Vec::new(),
            keepalive_notes: false,
            interrupt: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// A blocking, cloneable handle on one websocket connection: every clone
/// is the same connection, and each method may be called from any thread.
/// The connection itself runs on a background task, which answers pings
/// and keeps what arrives for [`recv`](Self::recv); no async code is needed.
///
/// ```
/// use ws::{ConnectOptions, Connection, EchoServer, Message};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// let sender = connection.clone();
/// std::thread::spawn(move || sender.send_text("from a thread".into())).join().unwrap()?;
/// assert_eq!(connection.recv(None)?, Message::Text("from a thread".into()));
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone)]
pub struct Connection {
    shared: Arc<Shared>,
}

struct Shared {
    url: String,
    subprotocol: Option<String>,
    compression: Option<deflate::Params>,
    commands: tokio_mpsc::UnboundedSender<Command>,
    inbox: Arc<Inbox>,
    link: Arc<Link>,
    disconnect_timeout: Duration,
    max_message_size: usize,
    interrupt: Arc<AtomicBool>,
}

impl Connection {
    /// Connects to `url` (any form of SPEC §1, e.g. `ws://host:port/path`,
    /// `wss://…` or `:PORT`) with `options`, and starts the connection's
    /// task. Blocks until the handshake is done or fails. Pings are
    /// answered and messages kept for [`recv`](Self::recv) (the latest
    /// 10,000) from the start.
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert_eq!(connection.url(), server.url());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn open(url: &str, options: &ConnectOptions) -> Result<Connection> {
        Self::open_with(url, options, HandleSettings::default(), Observer::none())
    }

    /// Like [`open`](Self::open), with the handle's settings and an
    /// observer that sees every event on the connection's task.
    pub(crate) fn open_with(
        url: &str,
        options: &ConnectOptions,
        settings: HandleSettings,
        observer: Observer,
    ) -> Result<Connection> {
        let url = url::parse(url)?;
        let (tx, rx) = mpsc::sync_channel(1);
        let (dial_url, dial_options) = (url.clone(), options.clone());
        let dialing = runtime().spawn(async move {
            let _ = tx.send(dial(&dial_url, &dial_options).await);
        });
        // The wait for the handshake (up to connect_timeout) watches the
        // interrupt flag like every other wait; an interrupt drops the dial.
        let (stream, handshake) = loop {
            match rx.recv_timeout(SLICE) {
                Ok(dialed) => break dialed?,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if settings.interrupt.load(Ordering::SeqCst) {
                        dialing.abort();
                        return Err(Error::Interrupted);
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let url = redact::url(&url);
                    return Err(Error::Connect(format!("could not connect to {url}")));
                }
            }
        };
        let redial = settings.reconnect.map(|reconnect| task::Redial {
            url: url.clone(),
            options: options.clone(),
            attempts: Attempts::new(reconnect),
        });
        Ok(Self::start(
            url, stream, handshake, settings, observer, redial,
        ))
    }

    fn start(
        url: String,
        stream: WsStream,
        handshake: Handshake,
        settings: HandleSettings,
        observer: Observer,
        redial: Option<task::Redial>,
    ) -> Connection {
        let bound = Bound {
            messages: settings.queue_size,
            bytes: settings.queue_bytes,
        };
        let inbox = Arc::new(Inbox::new(bound, settings.keep));
        let events = Events::start(bound, inbox.clone(), observer);
        let link = Arc::new(Link::new(settings.send_buffer_size));
        let (commands, receiver) = tokio_mpsc::unbounded_channel();
        let max_message_size = stream.get_config().max_message_size.unwrap_or(usize::MAX);
        let limits = Limits {
            send_timeout: settings.send_timeout,
            disconnect_timeout: settings.disconnect_timeout,
            peer: "server",
            keepalive: settings.keepalive,
        };
        let setup = task::Setup {
            link: link.clone(),
            events,
            limits,
            preamble: settings.preamble,
            redial,
            compressed: handshake.compression.is_some(),
            verbose: settings.keepalive_notes,
        };
        let task = task::Task::new(stream, receiver, setup);
        runtime().spawn(task.run());
        Connection {
            shared: Arc::new(Shared {
                url: redact::url(&url),
                subprotocol: handshake.subprotocol,
                compression: handshake.compression,
                commands,
                inbox,
                link,
                disconnect_timeout: settings.disconnect_timeout,
                max_message_size,
                interrupt: settings.interrupt,
            }),
        }
    }

    /// Whether two handles are on the same connection.
    pub(crate) fn same(&self, other: &Connection) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The URL this handle is connected to, normalised (`:PORT` becomes
    /// `ws://localhost:PORT/`, an empty path `/`) and with the password of
    /// its `user:password@` masked as `***`: this is the form every output
    /// shows. What goes on the wire is never masked.
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let url = format!("ws://alice:s3cret@{}", server.local_addr());
    /// let connection = Connection::open(&url, &ConnectOptions::default())?;
    /// assert_eq!(connection.url(), format!("ws://alice:***@{}/", server.local_addr()));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The subprotocol the server chose (from
    /// [`ConnectOptions::subprotocols`]), if any.
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// // Nothing was offered, so nothing was chosen.
    /// assert_eq!(connection.subprotocol(), None);
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn subprotocol(&self) -> Option<&str> {
        self.shared.subprotocol.as_deref()
    }

    /// The compression agreed on (permessage-deflate), if any.
    pub(crate) fn compression(&self) -> Option<deflate::Params> {
        self.shared.compression
    }

    /// How the connection ended, once it has.
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert_eq!(connection.close_info(), None);
    /// connection.close(1000, "bye")?;
    /// assert_eq!(connection.close_info().map(|info| info.code), Some(1000));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn close_info(&self) -> Option<CloseInfo> {
        self.shared.link.ended()
    }

    /// Keeps incoming messages for `recv` (or stops keeping and drops them).
    pub(crate) fn set_keep(&self, keep: bool) {
        self.shared.inbox.set_keep(keep);
    }

    /// `Ok` while the connection is open; the close as an error after.
    pub(crate) fn check_open(&self) -> Result<()> {
        match self.close_info() {
            Some(info) => Err(closed_error(&info)),
            None => Ok(()),
        }
    }

    fn command(&self, command: Command) -> Result<()> {
        self.check_open()?;
        self.shared
            .commands
            .send(command)
            .map_err(|_| Error::Connection("the connection is closed".into()))
    }

    /// Queues a text message; returns its size in bytes. Waits while more
    /// than `send_buffer_size` bytes are waiting to be written, this
    /// message's included (see [`send_binary`](Self::send_binary)).
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer, Message};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert_eq!(connection.send_text("héllo".into())?, 6); // bytes, not characters
    /// assert_eq!(connection.recv(None)?, Message::Text("héllo".into()));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn send_text(&self, text: String) -> Result<usize> {
        self.send(WsMessage::text(text), None)
    }

    /// Queues a binary message; returns its size in bytes. Waits while more
    /// than `send_buffer_size` bytes are waiting to be written, this
    /// message's included: a message larger than that returns once it is
    /// written out. Fails when the connection ends before, or on interrupt
    /// (the message still goes), or at once when the message is larger than
    /// [`ConnectOptions::max_message_size`] or the connection has ended.
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert_eq!(connection.send_binary(vec![0xde, 0xad])?, 2);
    /// connection.close(1000, "")?;
    /// assert!(connection.send_binary(vec![0xbe, 0xef]).is_err());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn send_binary(&self, bytes: Vec<u8>) -> Result<usize> {
        self.send(WsMessage::binary(bytes), None)
    }

    /// Sends like [`send_text`](Self::send_text) or
    /// [`send_binary`](Self::send_binary); on a compressed connection it
    /// then waits until the message is written (at most the disconnect
    /// timeout, or until interrupted) to give its size on the wire too.
    pub(crate) fn send_measured(&self, message: Message) -> Result<(usize, Option<usize>)> {
        let message = match message {
            Message::Text(text) => WsMessage::text(text),
            Message::Binary(bytes) => WsMessage::binary(bytes),
        };
        if self.compression().is_none() {
            return self.send(message, None).map(|size| (size, None));
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let size = self.send(message, Some(tx))?;
        let deadline = std::time::Instant::now() + self.shared.disconnect_timeout;
        loop {
            match rx.recv_timeout(SLICE) {
                Ok(wire) => return Ok((size, Some(wire))),
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok((size, None)),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            let interrupted = self
                .shared
                .interrupt
                .load(std::sync::atomic::Ordering::Relaxed);
            if interrupted || std::time::Instant::now() >= deadline {
                return Ok((size, None));
            }
        }
    }

    fn send(
        &self,
        message: WsMessage,
        wire_size: Option<mpsc::SyncSender<usize>>,
    ) -> Result<usize> {
        let size = message.len();
        let max = self.shared.max_message_size;
        if size > max {
            return Err(Error::Usage(format!(
                "the message is {size} bytes long, over max_message_size ({max} bytes); raise it with --max-message-size"
            )));
        }
        self.check_open()?;
        let cost = engine::cost(message.len());
        self.shared.link.add(cost);
        if let Err(e) = self.command(Command::Send(message, wire_size)) {
            self.shared.link.release(cost);
            return Err(e);
        }
        match self.shared.link.wait_room(&self.shared.interrupt) {
            Ok(()) => Ok(size),
            Err(Stopped::Interrupted) => Err(Error::Interrupted),
            Err(Stopped::Ended(info)) => Err(closed_error(&info)),
        }
    }

    /// Sends an unsolicited pong.
    pub(crate) fn pong(&self, payload: Vec<u8>) -> Result<()> {
        check_control_payload(payload.len())?;
        self.send(WsMessage::Pong(payload.into()), None).map(drop)
    }

    /// Sends a ping and waits for its pong: the round trip, or `None` when
    /// no pong came within `timeout`.
    pub(crate) fn ping(
        &self,
        payload: Vec<u8>,
        timeout: Option<Duration>,
        interrupt: &AtomicBool,
    ) -> Result<Option<Duration>> {
        check_control_payload(payload.len())?;
        let (reply, answer) = mpsc::sync_channel(1);
        self.command(Command::Ping { payload, reply })?;
        let deadline = timeout.and_then(|t| std::time::Instant::now().checked_add(t));
        loop {
            match answer.recv_timeout(SLICE) {
                Ok(rtt) => return Ok(Some(rtt)),
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let info = self.close_info();
                    return Err(info.map_or_else(
                        || Error::Connection("the connection is closed".into()),
                        |i| closed_error(&i),
                    ));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                return Err(Error::Interrupted);
            }
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                return Ok(None);
            }
        }
    }

    /// Closes with `code` and `reason` and waits for the close handshake
    /// (at most the disconnect timeout). Closing a closed connection is a
    /// no-op that returns how it ended. The code must be one that may be sent
    /// (1000–1003, 1007–1014, 3000–4999) and the reason at most 123
    /// bytes, or this fails before anything is sent.
    ///
    /// ```
    /// use ws::{Closer, ConnectOptions, Connection, EchoServer};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// assert!(connection.close(1006, "").is_err()); // 1006 is never sent
    /// let info = connection.close(1000, "done")?;
    /// assert_eq!((info.by, info.code), (Closer::Us, 1000));
    /// assert_eq!(connection.close(1001, "again")?, info);
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn close(&self, code: u16, reason: &str) -> Result<CloseInfo> {
        check_close_code(code)?;
        check_reason(reason)?;
        if let Some(info) = self.close_info() {
            return Ok(info);
        }
        let command = Command::Close {
            code,
            reason: reason.to_string(),
        };
        let limit = self.shared.disconnect_timeout + Duration::from_secs(1);
        if self.shared.commands.send(command).is_err() {
            return self
                .shared
                .link
                .wait_end(limit)
                .ok_or_else(|| Error::Connection("the connection is closed".into()));
        }
        let started = std::time::Instant::now();
        let info = self.shared.link.wait_end(limit);
        // What arrived before the end is shown before this returns.
        self.shared
            .inbox
            .wait_closed(limit.saturating_sub(started.elapsed()));
        Ok(info.unwrap_or(CloseInfo {
            by: Closer::Us,
            code,
            reason: reason.to_string(),
            error: None,
        }))
    }

    /// The next message from the peer, waiting at most `timeout` (`None`:
    /// until one arrives or the connection ends).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws::{ConnectOptions, Connection, EchoServer, Message, RecvError};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// connection.send_binary(vec![1, 2, 3])?;
    /// assert_eq!(connection.recv(None)?, Message::Binary(vec![1, 2, 3]));
    /// let nothing = connection.recv(Some(Duration::from_millis(10)));
    /// assert!(matches!(nothing, Err(RecvError::Timeout(_))));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn recv(&self, timeout: Option<Duration>) -> Result<Message, RecvError> {
        self.shared
            .inbox
            .recv(timeout, &self.shared.interrupt, None)
    }

    /// Like [`recv`](Self::recv), ended early by `interrupt`; with `known`,
    /// a wait with no message also ends with [`RecvError::Reconnected`] once
    /// a connection past the `known`-th has opened (`--reconnect`), so the
    /// caller can greet it first.
    pub(crate) fn recv_watching(
        &self,
        timeout: Option<Duration>,
        interrupt: &AtomicBool,
        known: Option<u64>,
    ) -> Result<Message, RecvError> {
        self.shared.inbox.recv(timeout, interrupt, known)
    }

    /// How many connections this handle has had: 1, and one more after
    /// each reconnection.
    pub(crate) fn connections(&self) -> u64 {
        self.shared.inbox.connections()
    }
}

/// The engine of a client connection (the peer is "the server").
pub(crate) fn client_engine(
    stream: WsStream,
    send_timeout: Duration,
    disconnect_timeout: Duration,
    keepalive: Option<KeepaliveSettings>,
) -> ClientEngine {
    let limits = Limits {
        send_timeout,
        disconnect_timeout,
        peer: "server",
        keepalive,
    };
    Engine::new(stream, limits)
}

/// The engine over a client stream.
pub(crate) type ClientEngine =
    Engine<deflate::DeflateStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>>;

/// The error for using a connection that has ended.
pub(crate) fn closed_error(info: &CloseInfo) -> Error {
    let reason = if info.reason.is_empty() {
        String::new()
    } else {
        format!(": {}", info.reason)
    };
    let text = match info.by {
        Closer::Peer => format!(
            "the connection is closed: the server closed it with code {} ({}){reason}",
            info.code,
            info.code_meaning()
        ),
        Closer::Us => format!(
            "the connection is closed (we closed it with code {}){reason}",
            info.code
        ),
        Closer::Dropped => format!(
            "the connection is closed: {}",
            info.error.as_deref().unwrap_or("it was dropped")
        ),
    };
    Error::Connection(text)
}
