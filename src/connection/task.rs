//! The task that owns a websocket stream: it writes what the handle queues
//! (feeding a batch, then flushing once), reads what the peer sends, answers
//! pings with their pongs, matches pongs to our pings, and runs the close
//! handshake. It reports through the observer and the inbox.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::SyncSender;
use std::time::{Duration, Instant};

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use super::inbox::Inbox;
use super::{CloseInfo, Closer, Event, Message, Observer, WsStream};

/// What the handle asks of the task.
pub(super) enum Command {
    Send(WsMessage),
    Ping {
        payload: Vec<u8>,
        reply: SyncSender<Duration>,
    },
    Close {
        code: u16,
        reason: String,
        done: SyncSender<()>,
    },
}

/// How many queued commands are fed before one flush.
const BATCH: usize = 256;

struct Pending {
    payload: Vec<u8>,
    sent: Instant,
    reply: SyncSender<Duration>,
}

pub(super) struct Task {
    sink: SplitSink<WsStream, WsMessage>,
    source: SplitStream<WsStream>,
    commands: UnboundedReceiver<Command>,
    inbox: Arc<Inbox>,
    observer: Observer,
    pings: VecDeque<Pending>,
    close_waiters: Vec<SyncSender<()>>,
    /// Messages dropped from a full queue and not reported yet, and when
    /// to report them: a burst gets one notice, not one per message.
    overflowed: usize,
    overflow_due: tokio::time::Instant,
}

/// How long drops from a full queue are gathered into one notice.
const OVERFLOW_REPORT_DELAY: Duration = Duration::from_millis(250);

impl Task {
    pub(super) fn new(
        stream: WsStream,
        commands: UnboundedReceiver<Command>,
        inbox: Arc<Inbox>,
        observer: Observer,
    ) -> Self {
        let (sink, source) = stream.split();
        Self {
            sink,
            source,
            commands,
            inbox,
            observer,
            pings: VecDeque::new(),
            close_waiters: Vec::new(),
            overflowed: 0,
            overflow_due: tokio::time::Instant::now(),
        }
    }

    pub(super) async fn run(mut self, disconnect_timeout: Duration) {
        let info = loop {
            tokio::select! {
                command = self.commands.recv() => {
                    let Some(command) = command else {
                        // Every handle is gone: close politely.
                        break self.close_handshake(1000, String::new(), disconnect_timeout).await;
                    };
                    if let Some(info) = self.write(command, disconnect_timeout).await {
                        break info;
                    }
                }
                incoming = self.source.next() => {
                    if let Some(info) = self.read(incoming).await {
                        break info;
                    }
                }
                () = tokio::time::sleep_until(self.overflow_due), if self.overflowed > 0 => {
                    self.report_overflow();
                }
            }
        };
        self.finish(info);
    }

    /// Feeds this command and whatever else is queued, then flushes once.
    async fn write(&mut self, first: Command, linger: Duration) -> Option<CloseInfo> {
        let mut next = Some(first);
        let mut fed = 0;
        while let Some(command) = next.take() {
            match command {
                Command::Send(message) => {
                    if let Err(e) = self.sink.feed(message).await {
                        return Some(CloseInfo::lost(&e));
                    }
                }
                Command::Ping { payload, reply } => {
                    let message = WsMessage::Ping(payload.clone().into());
                    if let Err(e) = self.sink.feed(message).await {
                        return Some(CloseInfo::lost(&e));
                    }
                    self.pings.push_back(Pending {
                        payload,
                        sent: Instant::now(),
                        reply,
                    });
                }
                Command::Close { code, reason, done } => {
                    self.close_waiters.push(done);
                    return Some(self.close_handshake(code, reason, linger).await);
                }
            }
            fed += 1;
            if fed < BATCH {
                next = self.commands.try_recv().ok();
            }
        }
        match self.sink.flush().await {
            Ok(()) => None,
            Err(e) => Some(CloseInfo::lost(&e)),
        }
    }

    /// Handles one item from the peer; `Some` when the connection ended.
    async fn read(&mut self, incoming: Option<Result<WsMessage, WsError>>) -> Option<CloseInfo> {
        let message = match incoming {
            None => return Some(CloseInfo::lost(&WsError::ConnectionClosed)),
            Some(Err(e)) => {
                self.fail(&e).await;
                return Some(CloseInfo::lost(&e));
            }
            Some(Ok(message)) => message,
        };
        match message {
            WsMessage::Text(text) => self.deliver(Message::Text(text.as_str().to_owned())),
            WsMessage::Binary(bytes) => self.deliver(Message::Binary(bytes.to_vec())),
            WsMessage::Ping(payload) => (self.observer)(Event::Ping(&payload)),
            WsMessage::Pong(payload) => self.pong(&payload),
            WsMessage::Close(frame) => {
                // tungstenite queued our reply; drive it out and wait for EOF.
                let _ = self.sink.flush().await;
                let info = CloseInfo::from_peer(frame);
                return Some(info);
            }
            WsMessage::Frame(_) => {}
        }
        None
    }

    /// Tells the peer why we give up on a broken connection, as RFC 6455
    /// asks: 1007 for invalid UTF-8, 1009 for a message too big, 1002 for
    /// other protocol errors. The peer may be gone already; that is fine.
    async fn fail(&mut self, error: &WsError) {
        super::refuse(&mut self.sink, error).await;
    }

    fn deliver(&mut self, message: Message) {
        (self.observer)(Event::Message(&message));
        let dropped = self.inbox.push(message);
        if dropped > 0 && self.overflowed == 0 {
            self.overflow_due = tokio::time::Instant::now() + OVERFLOW_REPORT_DELAY;
        }
        self.overflowed += dropped;
    }

    fn report_overflow(&mut self) {
        if self.overflowed > 0 {
            (self.observer)(Event::Overflow(self.overflowed));
            self.overflowed = 0;
        }
    }

    fn pong(&mut self, payload: &[u8]) {
        match self.pings.iter().position(|p| p.payload == payload) {
            Some(index) => {
                let pending = self.pings.remove(index).expect("index is in range");
                let _ = pending.reply.send(pending.sent.elapsed());
            }
            None => (self.observer)(Event::Pong(payload)),
        }
    }

    /// Sends our close frame and reads until the peer's, or EOF, or `linger`.
    async fn close_handshake(&mut self, code: u16, reason: String, linger: Duration) -> CloseInfo {
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.clone().into(),
        };
        let ours = CloseInfo {
            by: Closer::Us,
            code,
            reason,
            error: None,
        };
        if let Err(e) = self.sink.send(WsMessage::Close(Some(frame))).await {
            return match e {
                WsError::ConnectionClosed | WsError::AlreadyClosed => ours,
                e => CloseInfo::lost(&e),
            };
        }
        let drain = async {
            while let Some(item) = self.source.next().await {
                match item {
                    Ok(WsMessage::Close(_)) | Err(_) => break,
                    Ok(WsMessage::Text(text)) => {
                        self.deliver(Message::Text(text.as_str().to_owned()))
                    }
                    Ok(WsMessage::Binary(bytes)) => self.deliver(Message::Binary(bytes.to_vec())),
                    Ok(_) => {}
                }
            }
        };
        let _ = tokio::time::timeout(linger, drain).await;
        ours
    }

    fn finish(mut self, info: CloseInfo) {
        self.report_overflow();
        self.inbox.set_closed(info.clone());
        (self.observer)(Event::Closed(&info));
        for waiter in self.close_waiters.drain(..) {
            let _ = waiter.send(());
        }
        // Pending pings learn of the end when their senders drop here.
        self.pings.clear();
        tokio::spawn(async move {
            let _ = self.sink.close().await;
        });
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
        WsError::Utf8(_) => "the server sent a text message that is not valid UTF-8".into(),
        WsError::Protocol(e) => format!("the server broke the websocket protocol: {e}"),
        WsError::Io(e) => match super::deflate::inflate_error(e) {
            Some(refused) => refused.to_string(),
            None => format!("the connection was dropped: {}", crate::error::io_reason(e)),
        },
        other => format!("the connection failed: {other}"),
    }
}
