//! [`Connection`]: the blocking, cloneable handle that the Rhai engine, the
//! prompt and embedding programs hold on a client connection. The
//! connection itself is a [`Client`] driven by a task of its own
//! ([`super::task`]); the handles reach it through two [`Queue`]s: the
//! commands (bounded by `send_buffer_size`: a send waits for room) and the
//! inbox of what `recv` has not taken yet (bounded by a budget that every
//! connection of a script shares; when it is full the task stops reading,
//! so nothing is dropped). Every wait ends on its deadline or on Ctrl+C.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_util::sync::CancellationToken;

use super::client::Observer;
use super::client::{Client, ClientSettings, Command, gone, ws_message};
use super::close::{
    CloseInfo, check_close_code, check_control_payload, check_reason, closed_error,
};
use super::options::ConnectOptions;
use super::task::{self, Inbound, Shared};
use super::{deflate, redact, url};
use crate::cancel::{Interrupt, Stopped, block, deadline};
use crate::error::{Error, Result};
use crate::message::Message;
use crate::queue::{Bound, Budget, Queue, Refused};
use crate::runtime::runtime;

/// Why [`Connection::recv`](crate::Connection::recv) returned without a
/// message. It converts into [`Error`](crate::Error), so `?` works in a
/// function that returns [`ws::Result`](crate::Result).
///
/// ```
/// use std::time::Duration;
/// use ws::{ConnectOptions, Connection, EchoServer, RecvError};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// let wait = Some(Duration::from_millis(20));
/// assert!(matches!(connection.recv(wait), Err(RecvError::Timeout(_))));
/// connection.close(1000, "")?;
/// assert!(matches!(connection.recv(wait), Err(RecvError::Closed(info)) if info.code == 1000));
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug)]
pub enum RecvError {
    /// Nothing arrived within the time given.
    Timeout(Duration),
    /// The wait was interrupted (Ctrl+C).
    Interrupted,
    /// The connection is closed and every message before the close is taken.
    Closed(CloseInfo),
    /// A new connection opened (`--reconnect`) since the one the caller
    /// knew of, and no message is waiting. Only the session's own waits
    /// (Rhai's `recv`, `expect`) end so, to greet the new connection first;
    /// [`Connection::recv`](crate::Connection::recv) goes on waiting.
    Reconnected,
}

/// The sentence of the [`Error`](crate::Error) it converts into, e.g. `no
/// message arrived within 0.5 s`.
impl std::fmt::Display for RecvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Error::from(self.clone()).fmt(f)
    }
}

impl std::error::Error for RecvError {}

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

/// Why [`Connection::recv_decoded`] came back without a message.
#[derive(Debug)]
pub(crate) enum Sought {
    Timeout,
    Interrupted,
    Closed(CloseInfo),
    /// The receive queue is full of other messages: reading has stopped,
    /// so the one wanted cannot come.
    Full,
}

/// Settings of a connection handle: its client's, and the handles' own.
#[derive(Clone)]
pub(crate) struct HandleSettings {
    /// How the connection is made and kept, as for every client.
    pub client: ClientSettings,
    /// What the messages kept for `recv` may hold; shared by every
    /// connection of a script.
    pub budget: Arc<Budget>,
    /// Whether messages are kept from the start (scripts) or only while
    /// code runs (the session turns this on per line).
    pub keep: bool,
    /// How many bytes may wait to be written before a send waits.
    pub send_buffer_size: usize,
    /// Ctrl+C: ends a send that waits for room, or the wait for the handshake.
    pub interrupt: Interrupt,
}

/// The bound of what is kept for `recv` by default: a million messages,
/// 256 MiB.
const RECV_BOUND: Bound = Bound {
    items: 1_000_000,
    bytes: 256 * 1024 * 1024,
};

impl Default for HandleSettings {
    fn default() -> Self {
        Self {
            client: ClientSettings::default(),
            budget: Budget::new(RECV_BOUND),
            keep: true,
            send_buffer_size: 4 * 1024 * 1024,
            interrupt: Interrupt::new(),
        }
    }
}

/// A blocking, cloneable handle on one websocket connection: every clone
/// is the same connection, and each method may be called from any thread
/// (but not from async code: it blocks). The connection itself runs on a
/// background task, which answers pings and keeps what arrives for
/// [`recv`](Self::recv); no async code is needed.
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
    handle: Arc<Handle>,
}

/// Dropped with the last clone of a connection: the task then closes it
/// with 1000, once what was sent is written.
struct Handle {
    shared: Arc<Shared>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shared.commands.close();
    }
}

impl Connection {
    /// Connects to `url` (`ws://host:port/path`, `wss://…` or `:PORT`) with
    /// `options`, and starts the connection's task. Blocks until the
    /// handshake is done or fails. Pings are answered and messages kept
    /// for [`recv`](Self::recv) from the start (at most 256 MiB of them;
    /// past that the connection stops reading until some are taken).
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
        let client = ClientSettings {
            options: options.clone(),
            ..ClientSettings::default()
        };
        let settings = HandleSettings {
            client,
            ..HandleSettings::default()
        };
        Self::open_with(url, settings, Observer::none())
    }

    /// Like [`open`](Self::open), with the handle's settings and an
    /// observer that sees every event on the connection's task.
    pub(crate) fn open_with(
        url: &str,
        settings: HandleSettings,
        observer: Observer,
    ) -> Result<Connection> {
        let url = url::parse(url)?;
        let options = &settings.client.options;
        let (max_message_size, disconnect_timeout) = (
            options.max_message_size,
            settings.client.limits.disconnect_timeout,
        );
        let protocol = options.protocol.as_ref().map(|p| p.name());
        let token = settings.interrupt.token();
        crate::runtime::runtime()?;
        let client = block(Client::open(&url, settings.client), &token, None)
            .map_err(|_| Error::Interrupted)??;
        let handshake = client.handshake().clone();
        let shared = Arc::new(Shared {
            url: redact::url(&url),
            subprotocol: handshake.subprotocol,
            compression: handshake.compression,
            commands: Queue::bounded(Bound {
                items: usize::MAX,
                bytes: settings.send_buffer_size,
            }),
            inbox: Queue::charged_to(settings.budget),
            keep: AtomicBool::new(settings.keep),
            ended: watch::Sender::new(None),
            connections: AtomicU64::new(1),
            disconnect_timeout,
            max_message_size,
            interrupt: settings.interrupt,
            protocol,
            ids: AtomicU64::new(0),
        });
        runtime()?.spawn(task::run(client, shared.clone(), observer));
        Ok(Connection {
            handle: Arc::new(Handle { shared }),
        })
    }

    fn shared(&self) -> &Shared {
        &self.handle.shared
    }

    /// Whether two handles are on the same connection.
    pub(crate) fn same(&self, other: &Connection) -> bool {
        Arc::ptr_eq(&self.handle, &other.handle)
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
        &self.shared().url
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
        self.shared().subprotocol.as_deref()
    }

    /// The application protocol spoken over the connection, if any.
    pub fn protocol(&self) -> Option<&'static str> {
        self.shared().protocol
    }

    /// A new id for a request of the protocol: 1, 2, 3…
    pub(crate) fn next_id(&self) -> u64 {
        self.shared().ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Waits for the first decoded message that `wanted` accepts (an
    /// event, a result, a reply), at most `timeout`; what it passes over
    /// stays queued for `recv`, in order.
    pub(crate) fn recv_decoded(
        &self,
        wanted: &dyn Fn(&crate::message::Decoded) -> bool,
        timeout: Option<Duration>,
        cancel: &CancellationToken,
    ) -> std::result::Result<crate::message::Decoded, Sought> {
        use crate::queue::Sought as Found;
        let inbox = &self.shared().inbox;
        let wanted = |inbound: &Inbound| matches!(inbound, Inbound::Message(Message::Decoded(d)) if wanted(d));
        match block(inbox.take_first(wanted), cancel, deadline(timeout)) {
            Ok(Found::Found(Inbound::Message(Message::Decoded(decoded)))) => Ok(decoded),
            Ok(Found::Found(_) | Found::Closed) => {
                Err(Sought::Closed(self.close_info().unwrap_or_else(gone)))
            }
            Ok(Found::Full) => Err(Sought::Full),
            Err(Stopped::Cancelled) => Err(Sought::Interrupted),
            Err(Stopped::TimedOut) => Err(Sought::Timeout),
        }
    }

    /// The compression agreed on (permessage-deflate), if any.
    pub(crate) fn compression(&self) -> Option<deflate::Params> {
        self.shared().compression
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
        self.shared().ended.borrow().clone()
    }

    /// Keeps incoming messages for `recv` (or stops keeping and lets go of
    /// what is kept).
    pub(crate) fn set_keep(&self, keep: bool) {
        let shared = self.shared();
        shared.keep.store(keep, Ordering::Relaxed);
        if !keep {
            shared.inbox.drain();
        }
    }

    /// Whether a wait on this connection could not end with a message: it
    /// has none waiting, and the receive budget it shares is full (with
    /// messages of other connections), so it reads nothing.
    pub(crate) fn starved(&self) -> bool {
        let shared = self.shared();
        shared.keeps() && shared.inbox.is_empty() && shared.inbox.budget().is_full()
    }

    /// `Ok` while the connection is open; the close as an error after.
    pub(crate) fn check_open(&self) -> Result<()> {
        self.close_info()
            .map_or(Ok(()), |info| Err(closed_error(&info)))
    }

    /// The error for a handle whose connection has ended.
    fn ended_error(&self) -> Error {
        self.close_info().map_or_else(
            || Error::Connection("the connection is closed".into()),
            |info| closed_error(&info),
        )
    }

    /// Hands a command to the task, waiting while the send buffer is full.
    fn command(&self, command: Command, cancel: &CancellationToken) -> Result<()> {
        self.check_open()?;
        let commands = &self.shared().commands;
        match commands.push_blocking(command, cancel, None) {
            Ok(()) => {}
            Err(Refused::Closed(_)) => return Err(self.ended_error()),
            Err(Refused::Stopped(Stopped::Cancelled)) => return Err(Error::Interrupted),
            // No deadline was given: the wait ends with the connection.
            Err(Refused::Stopped(Stopped::TimedOut)) => return Err(self.ended_error()),
        }
        // A message larger than the send buffer returns once it is out
        // (or the connection is over: then it may not be).
        let waited = block(commands.settle(), cancel, None).map_err(|_| Error::Interrupted)?;
        match waited && commands.is_closed() {
            true => self.check_open(),
            false => Ok(()),
        }
    }

    /// Queues a text message; returns its size in bytes. Waits while more
    /// than `send_buffer_size` bytes are waiting to be written (see
    /// [`send_binary`](Self::send_binary)).
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
        self.send_message(Message::Text(text), &self.shared().interrupt.token())
    }

    /// Queues a binary message; returns its size in bytes. Waits while more
    /// than `send_buffer_size` bytes are waiting to be written (a message
    /// larger than that goes alone). Fails when the connection ends before,
    /// or on interrupt, or at once when the message is larger than
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
        self.send_message(Message::Binary(bytes), &self.shared().interrupt.token())
    }

    /// Sends a data message as [`send_text`](Self::send_text) does, ended
    /// early by `cancel`.
    pub(crate) fn send_message(
        &self,
        message: Message,
        cancel: &CancellationToken,
    ) -> Result<usize> {
        self.send(ws_message(message), None, cancel)
    }

    /// Sends like [`send_message`](Self::send_message); on a compressed
    /// connection it then waits until the message is written (at most the
    /// disconnect timeout, or until cancelled) to give its size on the
    /// wire too.
    pub(crate) fn send_measured(
        &self,
        message: Message,
        cancel: &CancellationToken,
    ) -> Result<(usize, Option<usize>)> {
        let message = ws_message(message);
        if self.compression().is_none() {
            return self.send(message, None, cancel).map(|size| (size, None));
        }
        let (tx, rx) = oneshot::channel();
        let size = self.send(message, Some(tx), cancel)?;
        let limit = deadline(Some(self.shared().disconnect_timeout));
        let on_wire = block(rx, cancel, limit).ok().and_then(Result::ok);
        Ok((size, on_wire))
    }

    fn send(
        &self,
        message: WsMessage,
        wire_size: Option<oneshot::Sender<usize>>,
        cancel: &CancellationToken,
    ) -> Result<usize> {
        let size = message.len();
        let max = self.shared().max_message_size;
        if size > max {
            return Err(Error::Usage(format!(
                "the message is {size} bytes long, over max_message_size ({max} bytes); raise it with --max-message-size"
            )));
        }
        self.command(Command::Send(message, wire_size), cancel)?;
        Ok(size)
    }

    /// Sends an unsolicited pong.
    pub(crate) fn pong(&self, payload: Vec<u8>, cancel: &CancellationToken) -> Result<()> {
        check_control_payload(payload.len())?;
        self.send(WsMessage::Pong(payload.into()), None, cancel)
            .map(drop)
    }

    /// Sends a ping and waits for its pong: the round trip, or `None` when
    /// no pong came within `timeout`.
    pub(crate) fn ping(
        &self,
        payload: Vec<u8>,
        timeout: Option<Duration>,
        cancel: &CancellationToken,
    ) -> Result<Option<Duration>> {
        check_control_payload(payload.len())?;
        let (reply, answer) = oneshot::channel();
        self.command(Command::Ping(payload, reply), cancel)?;
        match block(answer, cancel, deadline(timeout)) {
            Ok(Ok(rtt)) => Ok(Some(rtt)),
            Ok(Err(_)) => Err(self.ended_error()),
            Err(Stopped::TimedOut) => Ok(None),
            Err(Stopped::Cancelled) => Err(Error::Interrupted),
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
        self.close_unless(code, reason, &CancellationToken::new())
    }

    /// [`close`](Self::close), whose wait for the handshake `cancel` cuts
    /// short (the close frame still goes; a test stopped at its timeout
    /// does not wait for a server that never answers).
    pub(crate) fn close_unless(
        &self,
        code: u16,
        reason: &str,
        cancel: &CancellationToken,
    ) -> Result<CloseInfo> {
        check_close_code(code)?;
        check_reason(reason)?;
        if let Some(info) = self.close_info() {
            return Ok(info);
        }
        let command = Command::Close {
            code,
            reason: reason.to_string(),
        };
        let _ = self.shared().commands.push_over(command);
        let mut ended = self.shared().ended.subscribe();
        let limit = deadline(Some(
            self.shared().disconnect_timeout + Duration::from_secs(1),
        ));
        let waited = block(ended.wait_for(Option::is_some), cancel, limit);
        let info = waited
            .ok()
            .and_then(|seen| seen.ok().and_then(|info| info.clone()));
        Ok(info.unwrap_or_else(|| CloseInfo::ours(code, reason)))
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
        self.recv_watching(timeout, &self.shared().interrupt.token(), None)
    }

    /// Like [`recv`](Self::recv), ended early by `cancel`; with `known`, a
    /// wait also ends with [`RecvError::Reconnected`] when the queue comes
    /// to a connection past the `known`-th (`--reconnect`), so the caller
    /// can greet it first.
    pub(crate) fn recv_watching(
        &self,
        timeout: Option<Duration>,
        cancel: &CancellationToken,
        known: Option<u64>,
    ) -> Result<Message, RecvError> {
        let limit = deadline(timeout);
        loop {
            match self.shared().inbox.pop_blocking(cancel, limit) {
                Ok(Some(Inbound::Message(message))) => return Ok(message),
                Ok(Some(Inbound::Reconnected)) => {
                    if known.is_some_and(|known| self.connections() > known) {
                        return Err(RecvError::Reconnected);
                    }
                }
                Ok(None) => {
                    let info = self.close_info().unwrap_or_else(|| CloseInfo {
                        error: None,
                        ..gone()
                    });
                    return Err(RecvError::Closed(info));
                }
                Err(Stopped::Cancelled) => return Err(RecvError::Interrupted),
                Err(Stopped::TimedOut) => {
                    return Err(RecvError::Timeout(timeout.unwrap_or_default()));
                }
            }
        }
    }

    /// How many connections this handle has had: 1, and one more after
    /// each reconnection.
    pub(crate) fn connections(&self) -> u64 {
        self.shared().connections.load(Ordering::SeqCst)
    }
}
