//! The task that owns a client connection: it takes what the handles queue
//! and hands it to the [`Engine`], matches pongs to our pings, passes the
//! peer's messages to the events thread (see [`super::events`]), or to the
//! receive queue when nothing shows them, without waiting on either, and
//! tells the [`Link`] what was written out and how the connection ended.
//! When every handle is gone it closes with 1000.
//!
//! It sends the preamble first on every connection, and with
//! `--reconnect` it opens a new connection after an abnormal end (see
//! [`super::reconnect`]): the handles, the inbox and the observer stay the
//! same, so `recv` goes on with the new connection and `closed()` stays
//! false while the attempts last. What is sent meanwhile goes on the new
//! connection, after the preamble.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedReceiver;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use super::deflate::SentSizes;
use super::engine::{Engine, Limits, Step};
use super::events::{Events, Owned, WAKE_BATCH};
use super::link::Link;
use super::reconnect::{self, Attempts};
use super::{ClientEngine, CloseInfo, Closer, ConnectOptions, Message, WsStream};

/// What the handle asks of the task.
pub(super) enum Command {
    /// A message; for a data message, where to tell its compressed size.
    Send(WsMessage, Option<SyncSender<usize>>),
    Ping {
        payload: Vec<u8>,
        reply: SyncSender<Duration>,
    },
    Close {
        code: u16,
        reason: String,
    },
}

struct Pending {
    payload: Vec<u8>,
    sent: Instant,
    reply: SyncSender<Duration>,
}

/// How to open the connection again (`--reconnect`).
pub(crate) struct Redial {
    /// The URL as given (with its password).
    pub url: String,
    pub options: ConnectOptions,
    pub attempts: Attempts,
}

/// What a task works with besides its stream and commands.
pub(super) struct Setup {
    pub link: Arc<Link>,
    pub events: Arc<Events>,
    pub limits: Limits,
    /// Text messages sent first on every connection.
    pub preamble: Vec<String>,
    pub redial: Option<Redial>,
    /// Whether the handshake agreed on compression.
    pub compressed: bool,
    /// Whether keepalive pings and pongs are reported (`--verbose`).
    pub verbose: bool,
}

pub(super) struct Task {
    engine: ClientEngine,
    /// The wire size of each data message, when compression is on.
    sizes: Option<SentSizes>,
    /// Who waits for the wire size of each data message queued, in order.
    awaiting: VecDeque<Option<SyncSender<usize>>>,
    commands: UnboundedReceiver<Command>,
    link: Arc<Link>,
    events: Arc<Events>,
    /// Events gathered during a batch of reads, handed over together.
    held: Vec<Owned>,
    limits: Limits,
    preamble: Vec<String>,
    redial: Option<Redial>,
    pings: VecDeque<Pending>,
    handles_gone: bool,
    /// Whether a close was asked for (no reconnecting after it).
    closing: bool,
    verbose: bool,
}

impl Task {
    pub(super) fn new(
        mut stream: WsStream,
        commands: UnboundedReceiver<Command>,
        setup: Setup,
    ) -> Self {
        let sizes = setup.compressed.then(|| stream.get_mut().log_sent_sizes());
        let mut task = Self {
            engine: Engine::new(stream, setup.limits),
            sizes,
            awaiting: VecDeque::new(),
            commands,
            link: setup.link,
            events: setup.events,
            held: Vec::new(),
            limits: setup.limits,
            preamble: setup.preamble,
            redial: setup.redial,
            pings: VecDeque::new(),
            handles_gone: false,
            closing: false,
            verbose: setup.verbose,
        };
        task.start_engine();
        task
    }

    /// Runs until the connection ends (and no new one is to be made);
    /// then the socket is dropped with the task.
    pub(super) async fn run(mut self) {
        let info = loop {
            let info = poll_fn(|cx| self.poll(cx)).await;
            // Pending pings learn of the end when their senders drop here.
            self.pings.clear();
            if self.closing || !reconnect::retries(&info) {
                break info;
            }
            match self.reconnect(&info).await {
                Ok(()) => {}
                Err(end) => break end,
            }
        };
        self.link.end(info.clone());
        self.events.end(info);
    }

    /// Readies a new engine: keepalive notes when asked for, the preamble.
    fn start_engine(&mut self) {
        if self.verbose {
            self.engine.keepalive_mut().record_notes();
        }
        self.send_preamble();
    }

    fn send_preamble(&mut self) {
        for line in self.preamble.clone() {
            self.queue(WsMessage::text(line), None);
        }
    }

    /// Queues a message; a data message's wire size goes to `size` once
    /// it is written (with compression on).
    fn queue(&mut self, message: WsMessage, size: Option<SyncSender<usize>>) {
        if self.sizes.is_some() && (message.is_text() || message.is_binary()) {
            self.awaiting.push_back(size);
        }
        self.engine.queue(message);
    }

    /// Tells those who wait the wire sizes of the messages written.
    fn report_sizes(&mut self) {
        let Some(sizes) = &self.sizes else { return };
        for size in sizes.take() {
            if let Some(Some(waiting)) = self.awaiting.pop_front() {
                let _ = waiting.try_send(size);
            }
        }
    }

    /// Opens a new connection after `lost`, while the handles go on
    /// queueing: sends and pings wait for the new connection, a close
    /// (or every handle gone) stops the attempts.
    async fn reconnect(&mut self, lost: &CloseInfo) -> Result<(), CloseInfo> {
        let Some(mut redial) = self.redial.take() else {
            return Err(lost.clone());
        };
        // What the old connection did not write out is gone with it.
        self.link.release(usize::MAX);
        let events = self.events.clone();
        let attempt = redial
            .attempts
            .redial(&redial.url, &redial.options, lost, |retry| {
                events.push(Owned::Reconnecting(retry.clone()));
            });
        let mut held = Vec::new();
        let opened = {
            tokio::pin!(attempt);
            loop {
                tokio::select! {
                    opened = &mut attempt => break opened,
                    command = self.commands.recv() => match command {
                        Some(Command::Close { code, reason }) => {
                            return Err(CloseInfo { by: Closer::Us, code, reason, error: None });
                        }
                        None => return Err(lost.clone()),
                        Some(other) => held.push(other),
                    },
                }
            }
        };
        let (mut stream, handshake, attempt_made) = opened?;
        self.redial = Some(redial);
        self.awaiting.clear();
        self.sizes = handshake
            .compression
            .map(|_| stream.get_mut().log_sent_sizes());
        self.engine = Engine::new(stream, self.limits);
        self.start_engine();
        self.events.push(Owned::Reconnected(attempt_made));
        held.into_iter().for_each(|command| self.command(command));
        Ok(())
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<CloseInfo> {
        loop {
            self.take_commands(cx);
            let step = self.engine.poll_step(cx);
            for note in self.engine.keepalive_mut().take_notes() {
                self.emit(Owned::Keepalive(note));
            }
            let written = self.engine.take_flushed();
            if written > 0 {
                self.link.release(written);
                self.report_sizes();
            }
            match step {
                Poll::Ready(Step::Message(message)) => self.incoming(message),
                Poll::Ready(Step::Ended(info)) => {
                    self.events.push_all(&mut self.held);
                    return Poll::Ready(info);
                }
                Poll::Pending => {
                    // Everything there was to read is read: one hand-over
                    // and one wake-up for the whole batch.
                    self.events.push_all(&mut self.held);
                    return Poll::Pending;
                }
            }
        }
    }

    /// Queues every command waiting; when the handles are all gone, closes.
    fn take_commands(&mut self, cx: &mut Context<'_>) {
        while !self.handles_gone {
            match self.commands.poll_recv(cx) {
                Poll::Ready(Some(command)) => self.command(command),
                Poll::Ready(None) => {
                    self.handles_gone = true;
                    self.closing = true;
                    self.engine.close(1000, "");
                }
                Poll::Pending => return,
            }
        }
    }

    fn command(&mut self, command: Command) {
        match command {
            Command::Send(message, size) => self.queue(message, size),
            Command::Ping { payload, reply } => {
                self.engine.queue(WsMessage::Ping(payload.clone().into()));
                self.pings.push_back(Pending {
                    payload,
                    sent: Instant::now(),
                    reply,
                });
            }
            Command::Close { code, reason } => {
                self.closing = true;
                self.engine.close(code, &reason);
            }
        }
    }

    fn incoming(&mut self, message: WsMessage) {
        let event = match message {
            WsMessage::Text(text) => return self.received(Message::Text(text.as_str().to_owned())),
            WsMessage::Binary(bytes) => return self.received(Message::Binary(bytes.to_vec())),
            WsMessage::Ping(payload) => Owned::Ping(payload.to_vec()),
            WsMessage::Pong(payload) => match self.our_pong(&payload) {
                true => return,
                false => Owned::Pong(payload.to_vec()),
            },
            WsMessage::Close(_) | WsMessage::Frame(_) => return,
        };
        self.emit(event);
    }

    /// Hands a message over: straight to the receive queue when that
    /// overtakes nothing (see [`Events::deliver`]), else gathered.
    fn received(&mut self, message: Message) {
        let message = match self.held.is_empty() {
            true => self.events.deliver(message),
            false => Some(message),
        };
        if let Some(message) = message {
            self.emit(Owned::Message(message));
        }
    }

    /// Gathers an event for the events thread; a full batch goes at once.
    fn emit(&mut self, event: Owned) {
        self.held.push(event);
        if self.held.len() >= WAKE_BATCH {
            self.events.push_all(&mut self.held);
        }
    }

    /// Answers the ping this pong is for; whether there was one.
    fn our_pong(&mut self, payload: &[u8]) -> bool {
        let Some(index) = self.pings.iter().position(|p| p.payload == payload) else {
            return false;
        };
        let pending = self.pings.remove(index).expect("index is in range");
        let _ = pending.reply.send(pending.sent.elapsed());
        true
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
