//! The client core: one websocket connection as a user asked for it, and
//! every client command stands on it. It dials (proxy, TLS, handshake, see
//! [`super::dial`]), drives the socket with the [`Engine`] (keepalive and
//! the close handshake included), sends the preamble first on every
//! connection, matches pongs to our pings, reports the size on the wire of
//! each data message when compression is on, and with `--reconnect` opens
//! a new connection after an abnormal end (the policy is
//! [`super::reconnect`]). Whoever drives it takes its [`Event`]s one at a
//! time: `ws listen`, `ws pipe` and the one-shots drive it in their own
//! loop; the blocking [`Connection`](super::Connection) runs it on a task
//! of its own ([`super::task`]).
//!
//! A driver that cannot take more (its receive queue is full) turns reads
//! off with [`Client::set_reading`]: nothing more is read until it turns
//! them on, so the server is slowed by TCP instead of anything being
//! dropped.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::time::Sleep;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::close::{CloseInfo, Closer};
use super::deflate::SentSizes;
use super::dial::{Handshake, WsStream, dial};
use super::engine::{Charge, Engine, Limits, Step, cost};
use super::keepalive::Note;
use super::options::ConnectOptions;
use super::reconnect::{self, Attempts, ReconnectSettings, Retry};
use crate::error::{Error, Result};
use crate::message::Message;
use crate::protocol::{Incoming, Outbox, Protocol, Request};
use crate::queue::{Budget, Weigh};

/// How a client connects, and what it does on each connection.
#[derive(Clone, Debug)]
pub(crate) struct ClientSettings {
    pub options: ConnectOptions,
    pub limits: Limits,
    /// Reconnecting after an abnormal end, if wanted.
    pub reconnect: Option<ReconnectSettings>,
    /// How long a new connection must stay up to count as a success.
    pub reconnect_stable: Duration,
    /// Text messages sent first on every connection.
    pub preamble: Vec<String>,
    /// Report keepalive pings and pongs as events (`--verbose`).
    pub notes: bool,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            options: ConnectOptions::default(),
            limits: Limits {
                send_timeout: Duration::from_secs(30),
                disconnect_timeout: Duration::from_secs(5),
                peer: "server",
                keepalive: None,
            },
            reconnect: None,
            reconnect_stable: Duration::from_secs(5),
            preamble: Vec::new(),
            notes: false,
        }
    }
}

/// Something that happened on a client connection.
#[derive(Debug)]
pub enum Event {
    /// A message arrived.
    Message(Message),
    /// A ping arrived (the pong is sent automatically).
    Ping(Vec<u8>),
    /// A pong arrived that answers no ping of ours.
    Pong(Vec<u8>),
    /// A keepalive ping went out or its pong came back (only with
    /// keepalive notes asked for, `--verbose`).
    Keepalive(Note),
    /// The connection broke and is about to be opened again (`--reconnect`).
    Reconnecting(Retry),
    /// A new connection is open, made by this attempt; the preamble is queued.
    Reconnected(u32),
    /// A frame of the connection's application protocol as it went over
    /// the wire (`sent`: ours), shown with `--verbose`: the protocol's own
    /// traffic, and the raw form of what it decoded.
    Frame {
        /// Whether we sent it.
        sent: bool,
        /// The frame.
        message: Message,
    },
    /// A frame the application protocol could not read, and why; it is
    /// kept for `recv` as it came.
    Malformed {
        /// Why it is not a frame of the protocol.
        why: String,
        /// The frame.
        message: Message,
    },
    /// The connection ended; no event follows.
    Closed(CloseInfo),
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

type ClientEngine = Engine<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What the handles of a [`Connection`](super::Connection) ask of its client.
pub(crate) enum Command {
    /// A message; for a data message, where to tell its size on the wire.
    Send(WsMessage, Option<oneshot::Sender<usize>>),
    /// A ping, and where to tell its round trip when the pong comes.
    Ping(Vec<u8>, oneshot::Sender<Duration>),
    Close {
        code: u16,
        reason: String,
    },
}

impl Weigh for Command {
    fn weight(&self) -> usize {
        match self {
            Command::Send(message, _) => cost(message.len()),
            Command::Ping(payload, _) => cost(payload.len()),
            Command::Close { reason, .. } => cost(reason.len()),
        }
    }
}

/// A ping of ours waiting for its pong.
struct Pending {
    payload: Vec<u8>,
    sent: Instant,
    reply: oneshot::Sender<Duration>,
}

/// A connection being dialled again, after a wait.
type Dialing = Pin<Box<dyn Future<Output = Result<(WsStream, Handshake)>> + Send>>;

/// One client connection, as its driver sees it.
pub(crate) struct Client {
    /// The URL as given (with its password), to dial again.
    url: String,
    settings: ClientSettings,
    /// The open connection; none while a new one is dialled, or at the end.
    engine: Option<ClientEngine>,
    handshake: Handshake,
    /// The wire size of each data message, when compression is on.
    sizes: Option<SentSizes>,
    /// Who waits for the wire size of each data message queued, in order.
    awaiting: VecDeque<Option<oneshot::Sender<usize>>>,
    pings: VecDeque<Pending>,
    attempts: Option<Attempts>,
    /// The attempt under way and its number.
    redial: Option<(u32, Dialing)>,
    /// What came while a new connection was dialled (and whether it is
    /// charged to a handle's budget).
    held: Vec<(Command, bool)>,
    notes: VecDeque<Note>,
    /// When the connection in place opened.
    opened: Instant,
    /// The end, once known and not yet reported.
    end: Option<CloseInfo>,
    /// Whether a close was asked for (no reconnecting after it).
    closing: bool,
    reading: bool,
    /// Where the charge of a handle's message goes back once it is written
    /// out or dropped (see [`Client::command`]).
    charges: Option<Arc<Budget>>,
    protocol: Option<Box<dyn Protocol>>,
    /// Events that wait for their turn: what came during the opening
    /// exchange, and raw frames shown before what they decoded to.
    early: VecDeque<Event>,
    /// Wakes the protocol when it wants to act on its own (a heart-beat).
    timer: Option<Pin<Box<Sleep>>>,
}

impl Client {
    /// Dials `url` and readies the connection: the preamble is queued, and
    /// an application protocol's opening exchange is done.
    pub(crate) async fn open(url: &str, mut settings: ClientSettings) -> Result<Client> {
        let mut url = url.to_string();
        let mut protocol = settings
            .options
            .protocol
            .as_ref()
            .map(|p| p.make())
            .transpose()?;
        if let Some(protocol) = &mut protocol {
            prepare(protocol.as_mut(), &mut url, &mut settings.options);
        }
        let (stream, handshake) = dial(&url, &settings.options).await?;
        let mut client = Client {
            url,
            attempts: settings
                .reconnect
                .map(|r| Attempts::new(r, settings.reconnect_stable)),
            settings,
            engine: None,
            handshake: Handshake::default(),
            sizes: None,
            awaiting: VecDeque::new(),
            pings: VecDeque::new(),
            redial: None,
            held: Vec::new(),
            notes: VecDeque::new(),
            opened: Instant::now(),
            end: None,
            closing: false,
            reading: true,
            charges: None,
            protocol,
            early: VecDeque::new(),
            timer: None,
        };
        client.install(stream, handshake);
        client.opening_exchange().await?;
        Ok(client)
    }

    /// Waits for the application protocol's opening exchange (at most
    /// `connect_timeout`); what comes meanwhile waits in `early`.
    async fn opening_exchange(&mut self) -> Result<()> {
        let limit = self.settings.options.connect_timeout;
        let exchange = poll_fn(|cx| {
            while !self.is_ready() {
                match self.poll_event(cx) {
                    Poll::Ready(Event::Closed(info)) => return Poll::Ready(Err(refused(&info))),
                    // Opened by this very poll: the event was the first of
                    // those waiting, and goes back to its place.
                    Poll::Ready(event) if self.is_ready() => {
                        self.early.push_front(event);
                        break;
                    }
                    Poll::Ready(event) => self.early.push_back(event),
                    // A frame the protocol kept to itself may have been
                    // the one that opened it.
                    Poll::Pending if self.is_ready() => break,
                    Poll::Pending => return Poll::Pending,
                }
            }
            Poll::Ready(Ok(()))
        });
        match tokio::time::timeout(limit, exchange).await {
            Ok(opened) => opened,
            Err(_) => {
                let name = self.protocol.as_ref().map_or("", |p| p.name());
                Err(Error::Timeout {
                    what: format!("the {name} opening exchange did not finish"),
                    after: limit,
                    hint: "; check --protocol, or raise connect_timeout".into(),
                })
            }
        }
    }

    /// Whether a connection is open and its protocol's opening exchange done.
    fn is_ready(&self) -> bool {
        self.engine.is_some() && self.protocol.as_ref().is_none_or(|p| p.is_ready())
    }

    /// What the handshake of the current connection settled.
    pub(crate) fn handshake(&self) -> &Handshake {
        &self.handshake
    }

    /// Puts a new connection in place: the preamble first, then what came
    /// meanwhile, once the protocol (if any) has opened.
    fn install(&mut self, mut stream: WsStream, handshake: Handshake) {
        self.sizes = handshake
            .compression
            .map(|_| stream.get_mut().log_sent_sizes());
        self.handshake = handshake;
        self.opened = Instant::now();
        self.awaiting.clear();
        let mut engine = Engine::new(stream, self.settings.limits);
        if self.settings.notes {
            engine.keepalive_mut().record_notes();
        }
        engine.set_reading(self.reading);
        self.engine = Some(engine);
        if let Some(protocol) = &mut self.protocol {
            let mut out = Outbox::default();
            protocol.opened(self.handshake.subprotocol.as_deref(), &mut out);
            self.send_frames(out);
        }
        let preamble = self.settings.preamble.iter().map(|line| {
            let message = WsMessage::text(line.clone());
            (Command::Send(message, None), false)
        });
        self.held.splice(0..0, preamble.collect::<Vec<_>>());
        self.release_held();
    }

    /// Carries out what was held, once the connection is ready for it.
    fn release_held(&mut self) {
        if self.is_ready() {
            for (command, charged) in std::mem::take(&mut self.held) {
                self.apply(command, charged);
            }
        }
    }

    /// Queues the frames a protocol asked for, shown with `--verbose`.
    fn send_frames(&mut self, mut out: Outbox) {
        for message in out.take() {
            if self.settings.notes {
                self.early.push_back(Event::Frame {
                    sent: true,
                    message: message.clone(),
                });
            }
            if let Some(engine) = &mut self.engine {
                engine.queue(ws_message(message));
            }
        }
    }

    /// Queues a message (text, binary or pong) after those queued; while
    /// a new connection is dialled, it waits for it.
    pub(crate) fn send(&mut self, message: WsMessage) {
        self.apply(Command::Send(message, None), false);
    }

    /// Whether a connection is open (not being dialled again, not ended).
    pub(crate) fn is_open(&self) -> bool {
        self.engine.is_some()
    }

    /// Queues a data message; `size` is told its size on the wire once it
    /// is written (when compression is on; else it is dropped unanswered).
    pub(crate) fn send_measured(&mut self, message: WsMessage, size: oneshot::Sender<usize>) {
        self.queue(message, Some(size), false);
    }

    /// Gives the charge of the handles' messages back to `budget` as they
    /// are written out (or dropped).
    pub(crate) fn charge_to(&mut self, budget: Arc<Budget>) {
        self.charges = Some(budget);
    }

    /// Takes a command of a handle; a message it sends stays charged to
    /// the handles' budget until written out (see [`Client::charge_to`]).
    pub(crate) fn command(&mut self, command: Command) {
        self.apply(command, true);
    }

    /// Carries a command out, or holds it while a new connection is
    /// dialled (a close stops the attempts at once).
    fn apply(&mut self, command: Command, charged: bool) {
        let waits = self.redial.is_some() || (self.engine.is_some() && !self.is_ready());
        if waits && !matches!(command, Command::Close { .. }) {
            self.held.push((command, charged));
            return;
        }
        match command {
            Command::Send(message, size) => self.queue(message, size, charged),
            Command::Ping(payload, reply) => self.ping(payload, reply),
            Command::Close { code, reason } => self.close(code, &reason),
        }
    }

    fn queue(&mut self, message: WsMessage, size: Option<oneshot::Sender<usize>>, charged: bool) {
        let Some(engine) = &mut self.engine else {
            if charged {
                self.give_back(Charge::one(cost(message.len())));
            }
            return;
        };
        if self.sizes.is_some() && (message.is_text() || message.is_binary()) {
            self.awaiting.push_back(size);
        }
        engine.push(message, charged);
    }

    /// Sends a ping; `reply` gets the round trip when its pong comes
    /// (dropped unanswered if the connection ends first).
    pub(crate) fn ping(&mut self, payload: Vec<u8>, reply: oneshot::Sender<Duration>) {
        let Some(engine) = &mut self.engine else {
            return;
        };
        engine.queue(WsMessage::Ping(payload.clone().into()));
        self.pings.push_back(Pending {
            payload,
            sent: Instant::now(),
            reply,
        });
    }

    /// Starts the close handshake (no reconnecting after it); while a new
    /// connection is dialled, the attempts stop and the end is ours.
    pub(crate) fn close(&mut self, code: u16, reason: &str) {
        self.closing = true;
        if self.redial.take().is_some() {
            self.end = Some(CloseInfo::ours(code, reason));
        }
        if let Some(protocol) = self.protocol.as_mut().filter(|_| self.engine.is_some()) {
            let mut out = Outbox::default();
            protocol.closing(&mut out);
            self.send_frames(out);
        }
        if let Some(engine) = &mut self.engine {
            engine.close(code, reason);
        }
    }

    /// Turns reads off (the driver's receive queue is full) or on again.
    pub(crate) fn set_reading(&mut self, on: bool) {
        if self.reading != on
            && let Some(protocol) = &mut self.protocol
        {
            protocol.reading(on);
        }
        self.reading = on;
        if let Some(engine) = &mut self.engine {
            engine.set_reading(on);
        }
    }

    /// Whether writes wait for the peer to read: a close frame would wait
    /// behind them.
    pub(crate) fn is_blocked(&self) -> bool {
        self.engine.as_ref().is_some_and(Engine::is_blocked)
    }

    /// Bytes queued and not yet handed to the socket.
    pub(crate) fn backlog(&self) -> usize {
        self.engine.as_ref().map_or(0, Engine::queued_bytes)
    }

    /// Gives back the charge of messages written out or dropped.
    fn give_back(&self, charge: Charge) {
        if let Some(budget) = &self.charges
            && charge.items > 0
        {
            budget.give_back(charge.items, charge.bytes);
        }
    }

    pub(crate) async fn next(&mut self) -> Event {
        poll_fn(|cx| self.poll_event(cx)).await
    }

    /// Runs until everything queued is written out; messages that arrive
    /// meanwhile are dropped. The end, if the connection ends first.
    pub(crate) async fn write_out(&mut self) -> std::result::Result<(), CloseInfo> {
        let Some(engine) = &mut self.engine else {
            return Err(self.end.clone().unwrap_or_else(gone));
        };
        let written = engine.write_out().await;
        self.report_sizes();
        written
    }

    /// Closes with `code` and waits for the end (at most the disconnect
    /// timeout); what arrives meanwhile is dropped.
    pub(crate) async fn close_and_wait(&mut self, code: u16, reason: &str) -> CloseInfo {
        self.close(code, reason);
        loop {
            if let Event::Closed(info) = self.next().await {
                return info;
            }
        }
    }

    /// Drives the connection: the next event, or `Pending` until there is
    /// one. After [`Event::Closed`], nothing more comes.
    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Event> {
        loop {
            if let Some(note) = self.notes.pop_front() {
                return Poll::Ready(Event::Keepalive(note));
            }
            if self.is_ready()
                && let Some(event) = self.early.pop_front()
            {
                return Poll::Ready(event);
            }
            if let Some(end) = self.end.take() {
                return Poll::Ready(Event::Closed(end));
            }
            if let Some((attempt, dialing)) = &mut self.redial {
                let attempt = *attempt;
                let dialed = ready!(dialing.as_mut().poll(cx));
                self.redial = None;
                return Poll::Ready(match dialed {
                    Ok((stream, handshake)) => {
                        self.install(stream, handshake);
                        Event::Reconnected(attempt)
                    }
                    Err(error) => self.next_attempt(error.to_string()),
                });
            }
            if let Some(why) = self.protocol_timer(cx) {
                return Poll::Ready(self.refuse(why));
            }
            // No connection and none being dialled: the end is reported.
            let Some(engine) = &mut self.engine else {
                return Poll::Pending;
            };
            let step = engine.poll_step(cx);
            self.notes.extend(engine.keepalive_mut().take_notes());
            let written = engine.take_flushed();
            self.give_back(written);
            self.report_sizes();
            match step {
                Poll::Ready(Step::Message(message)) => {
                    if let Some(event) = self.incoming(message) {
                        if self.is_ready() || matches!(event, Event::Closed(_)) {
                            return Poll::Ready(event);
                        }
                        // The opening exchange is under way: in turn.
                        self.early.push_back(event);
                    }
                }
                Poll::Ready(Step::Ended(info)) => return Poll::Ready(self.lost(info)),
                Poll::Pending if self.notes.is_empty() => return Poll::Pending,
                Poll::Pending => {}
            }
        }
    }

    /// A frame from the peer as an event; `None` for the pong of a ping of
    /// ours (its waiter is told the round trip).
    fn incoming(&mut self, message: WsMessage) -> Option<Event> {
        match message {
            WsMessage::Text(text) => self.data(Message::Text(text.as_str().to_owned())),
            WsMessage::Binary(bytes) => self.data(Message::Binary(bytes.to_vec())),
            WsMessage::Ping(payload) => Some(Event::Ping(payload.to_vec())),
            WsMessage::Pong(payload) if self.our_pong(&payload) => None,
            WsMessage::Pong(payload) => Some(Event::Pong(payload.to_vec())),
            WsMessage::Close(_) | WsMessage::Frame(_) => None,
        }
    }

    /// A data message, read by the application protocol if there is one.
    /// With a protocol, what it makes of the frame waits in `early`, in
    /// the order it happened: the frame as it came (with `--verbose`),
    /// the protocol's replies, then the message it decoded.
    fn data(&mut self, message: Message) -> Option<Event> {
        let Some(protocol) = &mut self.protocol else {
            return Some(Event::Message(message));
        };
        let was_ready = protocol.is_ready();
        let mut out = Outbox::default();
        let seen = protocol.incoming(&message, &mut out);
        if let Incoming::Refused(why) = seen {
            return Some(self.refuse(why));
        }
        let event = match seen {
            Incoming::Malformed(why) => Some(Event::Malformed {
                why,
                message: message.clone(),
            }),
            Incoming::Message(decoded) => Some(Event::Message(Message::Decoded(decoded))),
            _ => None,
        };
        if self.settings.notes
            && event
                .as_ref()
                .is_none_or(|e| matches!(e, Event::Message(_)))
        {
            self.early.push_back(Event::Frame {
                sent: false,
                message,
            });
        }
        self.send_frames(out);
        self.early.extend(event);
        if !was_ready && self.is_ready() {
            self.release_held();
        }
        None
    }

    /// Ends the connection at the protocol's word (a refused opening, a
    /// server gone silent): no reconnecting, and the end says why.
    fn refuse(&mut self, why: String) -> Event {
        self.closing = true;
        if let Some(engine) = &mut self.engine {
            engine.close(1000, "");
        }
        self.lost(CloseInfo::dropped(why))
    }

    /// Runs the protocol's timer: a heart-beat when it is due; the reason
    /// to end when the protocol says the server went silent.
    fn protocol_timer(&mut self, cx: &mut Context<'_>) -> Option<String> {
        let at = self.protocol.as_ref()?.deadline()?;
        self.engine.as_ref()?;
        let at = tokio::time::Instant::from_std(at);
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if timer.deadline() != at {
            timer.as_mut().reset(at);
        }
        timer.as_mut().poll(cx).is_ready().then_some(())?;
        let mut out = Outbox::default();
        let silent = self.protocol.as_mut()?.tick(Instant::now(), &mut out);
        self.send_frames(out);
        silent
    }

    /// Answers the ping this pong is for; whether there was one.
    fn our_pong(&mut self, payload: &[u8]) -> bool {
        let Some(index) = self.pings.iter().position(|p| p.payload == payload) else {
            return false;
        };
        if let Some(pending) = self.pings.remove(index) {
            let _ = pending.reply.send(pending.sent.elapsed());
        }
        true
    }

    /// Tells those who wait the wire sizes of the messages written.
    fn report_sizes(&mut self) {
        let Some(sizes) = &self.sizes else { return };
        for size in sizes.take() {
            // A message sent uncompressed has no second size: its waiter
            // is let go.
            if let (Some(Some(waiting)), Some(size)) = (self.awaiting.pop_front(), size) {
                let _ = waiting.send(size);
            }
        }
    }

    /// The connection ended: the end, or with `--reconnect` a new attempt.
    fn lost(&mut self, info: CloseInfo) -> Event {
        // Pending pings and size waiters learn of the end as theirs drop.
        self.pings.clear();
        self.awaiting.clear();
        let dropped = self.engine.take().map(|mut engine| engine.abandon());
        if let Some(attempts) = &mut self.attempts {
            attempts.connection_ended(&info, self.opened.elapsed());
        }
        if !self.closing && self.attempts.is_some() && reconnect::retries(&info) {
            // What the old connection did not write out is gone with it;
            // the handles go on with room for more.
            self.give_back(dropped.unwrap_or_default());
            return self.next_attempt(reconnect::lost(&info));
        }
        // At the end the charge stays: a sender waiting for its message to
        // be written learns of the end, not of room.
        Event::Closed(info)
    }

    /// The next attempt to connect (after its wait), or the end once the
    /// attempts are spent; `why` says how the last one went.
    fn next_attempt(&mut self, why: String) -> Event {
        let Some(attempts) = &mut self.attempts else {
            return Event::Closed(gone());
        };
        let Some((attempt, wait)) = attempts.next() else {
            return Event::Closed(attempts.give_up(&why));
        };
        let (url, options) = (self.url.clone(), self.settings.options.clone());
        let dialing: Dialing = Box::pin(async move {
            tokio::time::sleep(wait).await;
            dial(&url, &options).await
        });
        self.redial = Some((attempt, dialing));
        Event::Reconnecting(Retry { attempt, wait, why })
    }
}

/// Why a connection ended before its protocol's opening exchange was done.
fn refused(info: &CloseInfo) -> Error {
    match (&info.by, &info.error) {
        (Closer::Dropped, Some(why)) => Error::Connect(why.clone()),
        _ => super::close::closed_error(info),
    }
}

/// Lets `protocol` change the handshake: the URL's path and the
/// subprotocols and headers offered. `url` is as `url::parse` made it.
fn prepare(protocol: &mut dyn Protocol, url: &mut String, options: &mut ConnectOptions) {
    let path_at = super::url::path_start(url);
    let mut request = Request {
        host: super::url::host(url).to_string(),
        path: url[path_at..].to_string(),
        subprotocols: options.subprotocols.clone(),
        headers: options.headers.clone(),
    };
    protocol.prepare(&mut request);
    url.replace_range(path_at.., &request.path);
    options.subprotocols = request.subprotocols;
    options.headers = request.headers;
}

/// A message as tungstenite sends it.
pub(super) fn ws_message(message: Message) -> WsMessage {
    match message {
        Message::Text(text) => WsMessage::text(text),
        Message::Binary(bytes) => WsMessage::binary(bytes),
        // What a protocol decoded goes back as its JSON.
        Message::Decoded(decoded) => WsMessage::text(decoded.value.to_string()),
    }
}

/// The end of a connection that is gone without a word.
pub(super) fn gone() -> CloseInfo {
    CloseInfo::dropped("the connection was dropped")
}
