//! The connection engine: one poll loop over a websocket stream that reads
//! and writes at once, so a write the peer is slow to take never stops
//! reads (nor the pongs tungstenite sends while reading). Reads come in
//! batches; what is queued for writing is fed in one go and flushed once.
//! It owns the close handshake and its deadline, the refusal of a peer
//! that breaks the protocol, and the end of a peer that stops reading for
//! longer than `send_timeout`. The client task ([`super::task`]), the
//! one-shot commands and the echo server all drive their streams with it;
//! whoever drops an ended engine drops the socket.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use super::close::{CloseInfo, Closer, close_code_for};
use super::deflate::DeflateStream;
use super::keepalive::{Keepalive, KeepaliveSettings, Tick};

/// How many frames are read in a row, by default, before queued writes
/// get their turn (see [`Engine::set_read_batch`]).
const READ_BATCH: usize = 64;
/// How long a peer that broke the protocol gets to take our close frame.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// The deadlines of one connection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// How long a write may wait for the peer to take data.
    pub send_timeout: Duration,
    /// How long a close waits for the other side's close frame.
    pub disconnect_timeout: Duration,
    /// The other side, as the end of a connection names it ("server").
    pub peer: &'static str,
    pub keepalive: Option<KeepaliveSettings>,
}

/// What the engine has for its driver.
#[derive(Debug)]
pub(crate) enum Step {
    /// A text, binary, ping or pong frame from the peer (pings are
    /// answered already).
    Message(WsMessage),
    /// The connection is over; drop the engine to drop the socket.
    Ended(CloseInfo),
}

/// How far the close is.
enum Closing {
    Open,
    /// We sent (or queued) our close frame; waiting for the peer's.
    Sent(CloseInfo),
    /// The peer closed; our answer is being written.
    Answering(CloseInfo),
    /// The peer broke the rules; our close frame with the code is going out.
    Refusing(CloseInfo),
}

/// One websocket stream driven in both directions.
pub(crate) struct Engine<S> {
    ws: WebSocketStream<DeflateStream<S>>,
    limits: Limits,
    outgoing: VecDeque<Outgoing>,
    queued_bytes: usize,
    /// What the driver charged of what was handed to the stream since its
    /// last complete flush.
    unflushed: Charge,
    /// What the driver charged of what is flushed, not yet taken back.
    flushed: Charge,
    needs_flush: bool,
    /// Since when a write has been waiting for the peer.
    blocked_since: Option<Instant>,
    closing: Closing,
    close_deadline: Option<Instant>,
    reads_in_row: usize,
    /// How many frames are read in a row before writes get their turn.
    read_batch: usize,
    /// Reads pause while more than this is queued for writing.
    backlog: usize,
    /// Reads paused by the driver (its receive queue is full).
    reads_paused: bool,
    /// Wakes the task at the next deadline (made on first use, inside
    /// the runtime).
    timer: Option<Pin<Box<Sleep>>>,
    keepalive: Keepalive,
}

/// A message waiting to be written: its size as [`cost`] counts it, and
/// whether the driver charged it to a budget (see [`Engine::push`]).
struct Outgoing {
    message: WsMessage,
    size: usize,
    charged: bool,
}

/// Messages and the bytes they count for, of those the driver charged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Charge {
    pub items: usize,
    pub bytes: usize,
}

impl Charge {
    /// One message that counts for `bytes`.
    pub(crate) fn one(bytes: usize) -> Charge {
        Charge { items: 1, bytes }
    }

    pub(crate) fn add(&mut self, other: Charge) {
        self.items += other.items;
        self.bytes += other.bytes;
    }
}

/// What a queued message of `payload` bytes counts for in the bounds on
/// queues (what waits to be written, to be shown, to be taken by `recv`):
/// its payload and what it costs beyond it (its place in the queues, its
/// frame header), so a flood of empty messages (pongs) is bounded like a
/// flood of large ones.
pub(crate) fn cost(payload: usize) -> usize {
    /// A message's cost beyond its payload, in bytes.
    const OVERHEAD: usize = 64;
    payload + OVERHEAD
}

/// Whether the stream ended with the connection closed in order (an end
/// of file, no reset), though without a close frame.
fn ended_cleanly(error: &WsError) -> bool {
    matches!(
        error,
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)
    )
}

impl<S> Engine<S>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    pub(crate) fn new(ws: WebSocketStream<DeflateStream<S>>, limits: Limits) -> Self {
        Self {
            ws,
            limits,
            outgoing: VecDeque::new(),
            queued_bytes: 0,
            unflushed: Charge::default(),
            flushed: Charge::default(),
            needs_flush: false,
            blocked_since: None,
            closing: Closing::Open,
            close_deadline: None,
            reads_in_row: 0,
            read_batch: READ_BATCH,
            backlog: usize::MAX,
            reads_paused: false,
            timer: None,
            keepalive: Keepalive::new(limits.keepalive),
        }
    }

    /// Queues a message (text, binary, ping or pong) after those queued.
    /// Nothing is queued once a close has started.
    pub(crate) fn queue(&mut self, message: WsMessage) {
        self.push(message, false);
    }

    /// Queues a message; one the driver `charged` to a budget has its
    /// charge given back by [`take_flushed`](Self::take_flushed) once it
    /// is written out (by [`abandon`](Self::abandon) when it never will
    /// be), and at once when the close has started.
    pub(crate) fn push(&mut self, message: WsMessage, charged: bool) {
        let size = cost(message.len());
        if !matches!(self.closing, Closing::Open) {
            if charged {
                self.flushed.add(Charge::one(size));
            }
            return;
        }
        self.queued_bytes += size;
        self.outgoing.push_back(Outgoing {
            message,
            size,
            charged,
        });
    }

    /// Drops what waits to be written (a close or a refusal goes first);
    /// the charged messages among it count as given back.
    fn drop_queued(&mut self) {
        for gone in self.outgoing.drain(..).filter(|o| o.charged) {
            self.flushed.add(Charge::one(gone.size));
        }
        self.queued_bytes = 0;
    }

    /// The keepalive, to ask for its notes (`--verbose`).
    pub(crate) fn keepalive_mut(&mut self) -> &mut Keepalive {
        &mut self.keepalive
    }

    /// Bytes queued and not yet handed to the stream (a producer waits
    /// while this is high).
    pub(crate) fn queued_bytes(&self) -> usize {
        self.queued_bytes
    }

    /// Whether a write waits for the peer to read, or messages wait to be
    /// written: a close now would wait behind them.
    pub(crate) fn is_blocked(&self) -> bool {
        self.blocked_since.is_some() || !self.outgoing.is_empty()
    }

    /// Takes the charge of the messages written out (or dropped) since the
    /// last call.
    pub(crate) fn take_flushed(&mut self) -> Charge {
        std::mem::take(&mut self.flushed)
    }

    /// The charge of every message not written out yet, for a driver that
    /// drops the engine (the connection is over).
    pub(crate) fn abandon(&mut self) -> Charge {
        self.drop_queued();
        let mut all = std::mem::take(&mut self.flushed);
        all.add(std::mem::take(&mut self.unflushed));
        all
    }

    /// Pauses reads (or resumes them): while the driver's receive queue is
    /// full, nothing is read, pings go unanswered, and the keepalive counts
    /// no missing pong against the peer (it starts afresh on resuming).
    pub(crate) fn set_reading(&mut self, on: bool) {
        if self.reads_paused && on {
            self.keepalive.restart();
        }
        self.reads_paused = !on;
    }

    /// Pauses reads while more than `bytes` wait to be fed to the stream
    /// (an echo server must not read faster than its peer takes the
    /// echoes). With 0, nothing is read while anything waits, so a close
    /// from the peer is read only once every earlier answer is fed and
    /// goes out before the answer to the close.
    pub(crate) fn limit_backlog(&mut self, bytes: usize) {
        self.backlog = bytes;
    }

    /// Sets how many frames are read in a row before what they brought
    /// about (echoes, pongs) is written out. Large batches cost fewer
    /// writes; small ones let a peer that waits for them start on the
    /// first answers while the rest are read.
    pub(crate) fn set_read_batch(&mut self, frames: usize) {
        self.read_batch = frames.max(1);
    }

    /// Whether to read now: not while too much waits to be written, nor
    /// once the peer closed or broke the rules (only writing is left).
    fn reading(&self) -> bool {
        let open = matches!(self.closing, Closing::Open | Closing::Sent(_));
        open && !self.reads_paused && self.queued_bytes <= self.backlog
    }

    /// Starts the close handshake: our close frame goes after what is
    /// queued, and the peer has `disconnect_timeout` to answer it.
    pub(crate) fn close(&mut self, code: u16, reason: &str) {
        if !matches!(self.closing, Closing::Open) {
            return;
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_string().into(),
        };
        self.queue(WsMessage::Close(Some(frame)));
        self.closing = Closing::Sent(CloseInfo::ours(code, reason));
        self.close_deadline = Some(Instant::now() + self.limits.disconnect_timeout);
    }

    /// Closes with `code` and waits for the end (at most the disconnect
    /// timeout); messages that arrive meanwhile are dropped.
    pub(crate) async fn close_and_wait(&mut self, code: u16, reason: &str) -> CloseInfo {
        self.close(code, reason);
        loop {
            if let Step::Ended(info) = poll_fn(|cx| self.poll_step(cx)).await {
                return info;
            }
        }
    }

    /// Runs until everything queued is written out (messages that arrive
    /// meanwhile are dropped); the end, if the connection ends first.
    pub(crate) async fn write_out(&mut self) -> Result<(), CloseInfo> {
        poll_fn(|cx| {
            loop {
                if self.written() {
                    return Poll::Ready(Ok(()));
                }
                match self.poll_step(cx) {
                    Poll::Ready(Step::Ended(info)) => return Poll::Ready(Err(info)),
                    Poll::Ready(Step::Message(_)) => {}
                    Poll::Pending if self.written() => return Poll::Ready(Ok(())),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await
    }

    /// Reads (a batch at most), then writes and flushes what is queued,
    /// and checks the deadlines.
    pub(crate) fn poll_step(&mut self, cx: &mut Context<'_>) -> Poll<Step> {
        loop {
            if let Some(info) = self.overdue() {
                return Poll::Ready(Step::Ended(info));
            }
            self.keep_alive();
            // What the driver queued goes into the stream's buffer before
            // the next read (no write to the socket unless the buffer is
            // full), so it precedes any answer to what that read brings:
            // the answer to a close goes after every echo queued before it.
            if let Err(error) = self.feed(cx) {
                return Poll::Ready(Step::Ended(self.broken(&error)));
            }
            // Whether a read is armed (it returned Pending this round).
            let mut read_armed = false;
            if self.reading() && self.reads_in_row < self.read_batch {
                match Pin::new(&mut self.ws).poll_next(cx) {
                    Poll::Ready(item) => {
                        self.reads_in_row += 1;
                        match self.incoming(item) {
                            Some(step) => return Poll::Ready(step),
                            None => continue,
                        }
                    }
                    Poll::Pending => read_armed = true,
                }
            }
            self.reads_in_row = 0;
            if let Err(error) = self.poll_write(cx) {
                return Poll::Ready(Step::Ended(self.broken(&error)));
            }
            if let Some(info) = self.finished() {
                return Poll::Ready(Step::Ended(info));
            }
            // Reads skipped this round (a full batch, or a backlog that
            // has drained since) are due now: nothing would wake us for them.
            if self.reading() && !read_armed {
                continue;
            }
            self.arm_timer(cx);
            return Poll::Pending;
        }
    }

    /// Handles one item from the stream: a step for the driver, or `None`
    /// to go on reading.
    fn incoming(&mut self, item: Option<Result<WsMessage, WsError>>) -> Option<Step> {
        match item {
            Some(Ok(WsMessage::Close(frame))) => match &self.closing {
                Closing::Sent(ours) => {
                    let theirs = self.peer_close(frame);
                    // An answer with a code of its own (1011, say) is how
                    // the peer ended it; an echo of ours, 1000 or none is not.
                    let abnormal = !theirs.is_normal() && ![1005, ours.code].contains(&theirs.code);
                    Some(Step::Ended(if abnormal { theirs } else { ours.clone() }))
                }
                Closing::Refusing(info) => Some(Step::Ended(info.clone())),
                Closing::Answering(_) => None,
                Closing::Open => {
                    // tungstenite queued our answer; it goes with the next flush.
                    self.closing = Closing::Answering(self.peer_close(frame));
                    self.drop_queued();
                    self.needs_flush = true;
                    self.close_deadline = Some(Instant::now() + self.limits.disconnect_timeout);
                    None
                }
            },
            Some(Ok(WsMessage::Frame(_))) => None,
            Some(Ok(WsMessage::Pong(payload))) if self.keepalive.pong(&payload) => None,
            Some(Ok(message)) => {
                if message.is_ping() {
                    // The pong waits inside the stream: write what was
                    // queued before it (so it does not overtake), then it.
                    self.needs_flush = true;
                    self.reads_in_row = self.read_batch;
                }
                match self.closing {
                    Closing::Open | Closing::Sent(_) => Some(Step::Message(message)),
                    _ => None,
                }
            }
            Some(Err(error)) => match &self.closing {
                // Our close frame is out and the peer ended the connection
                // cleanly without answering it, as some servers do: it read
                // everything we sent (a socket closed with bytes unread
                // ends with a reset instead), so the close is done.
                Closing::Sent(ours) if self.written() && ended_cleanly(&error) => {
                    Some(Step::Ended(ours.clone()))
                }
                _ => self.refuse(&error).map(Step::Ended),
            },
            None => Some(Step::Ended(self.eof())),
        }
    }

    /// The peer's close as it was on the wire: a code tungstenite replaced
    /// by 1002 (999, 1005 or 1006 on the wire, say) is reported as sent,
    /// with a note that it is not a valid code.
    fn peer_close(&self, frame: Option<CloseFrame>) -> CloseInfo {
        let info = CloseInfo::from_peer(frame);
        match self.ws.get_ref().peer_close() {
            Some((code, reason)) if code != info.code => CloseInfo {
                code,
                reason,
                error: Some(format!(
                    "not a valid close code; answered with {}",
                    info.code
                )),
                ..info
            },
            _ => info,
        }
    }

    /// The end of the stream: how it ended depends on how far the close was.
    fn eof(&self) -> CloseInfo {
        match &self.closing {
            Closing::Open => CloseInfo::lost(&WsError::ConnectionClosed),
            Closing::Sent(info) | Closing::Answering(info) | Closing::Refusing(info) => {
                info.clone()
            }
        }
    }

    /// A peer that broke the protocol is told why (1002, 1007, 1009) when
    /// it can be (the end comes once the frame is out); a connection that
    /// is simply gone ends at once.
    fn refuse(&mut self, error: &WsError) -> Option<CloseInfo> {
        let info = CloseInfo::lost(error);
        match close_code_for(error) {
            Some(code) if matches!(self.closing, Closing::Open) => {
                self.refusing(code, info);
                None
            }
            _ => Some(info),
        }
    }

    /// Ends the connection at our word: what waits to be written is
    /// dropped, our close frame (`code`, the reason of `info`) goes out,
    /// and the peer has [`REFUSAL_LINGER`] to take it.
    fn refusing(&mut self, code: CloseCode, info: CloseInfo) {
        let frame = CloseFrame {
            code,
            reason: info.reason.clone().into(),
        };
        self.drop_queued();
        self.queue(WsMessage::Close(Some(frame)));
        self.closing = Closing::Refusing(info);
        self.close_deadline = Some(Instant::now() + REFUSAL_LINGER);
    }

    /// Whether a close is complete on our side: the answer to the peer's
    /// close, or our refusal, is written out.
    fn finished(&self) -> Option<CloseInfo> {
        match &self.closing {
            Closing::Answering(info) | Closing::Refusing(info) if self.written() => {
                Some(info.clone())
            }
            _ => None,
        }
    }

    /// Whether everything queued is written out and flushed.
    fn written(&self) -> bool {
        self.outgoing.is_empty() && !self.needs_flush
    }

    /// Feeds what is queued, then flushes.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> Result<(), WsError> {
        self.feed(cx)?;
        if self.needs_flush {
            self.poll_flush(cx)?;
        }
        Ok(())
    }

    /// Feeds what is queued while the stream takes it (it writes to the
    /// socket only what is over its write buffer).
    fn feed(&mut self, cx: &mut Context<'_>) -> Result<(), WsError> {
        while let Some(front) = self.outgoing.front() {
            let size = front.size;
            match Pin::new(&mut self.ws).poll_ready(cx) {
                Poll::Ready(Ok(())) => self.blocked_since = None,
                Poll::Ready(Err(error)) => return Err(error),
                Poll::Pending => {
                    self.blocked_since.get_or_insert_with(Instant::now);
                    return Ok(());
                }
            }
            let Some(Outgoing {
                message, charged, ..
            }) = self.outgoing.pop_front()
            else {
                break;
            };
            self.queued_bytes -= size;
            let close = message.is_close();
            match Pin::new(&mut self.ws).start_send(message) {
                // tungstenite writes a close frame out at once; flushing
                // here too records it, so an end of the stream that the
                // next read finds is known to come after it (see `incoming`).
                Ok(()) if close => {
                    self.sent(size, charged);
                    self.poll_flush(cx)?;
                }
                Ok(()) => self.sent(size, charged),
                Err(WsError::WriteBufferFull(message)) => {
                    // Make room: it goes after the flush, or back to the
                    // front of the queue while the flush is pending.
                    if !self.poll_flush(cx)? {
                        self.queued_bytes += size;
                        self.outgoing.push_front(Outgoing {
                            message: *message,
                            size,
                            charged,
                        });
                        return Ok(());
                    }
                    // The buffer is empty now; one that does not fit even
                    // now never will.
                    Pin::new(&mut self.ws).start_send(*message)?;
                    self.sent(size, charged);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Counts a message of `size` handed to the stream and not flushed yet.
    fn sent(&mut self, size: usize, charged: bool) {
        if charged {
            self.unflushed.add(Charge::one(size));
        }
        self.needs_flush = true;
    }

    /// Flushes; whether the flush completed.
    ///
    /// The stream below tungstenite is flushed too, after tungstenite's own
    /// flush: once a server has the client's close, tungstenite hands its
    /// last bytes (echoes, the answer to the close) to the stream and
    /// reports the flush done without flushing the stream, so what our
    /// compression layer still holds would be dropped with the socket.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Result<bool, WsError> {
        let flushed = match Pin::new(&mut self.ws).poll_flush(cx) {
            Poll::Ready(Ok(())) => Pin::new(self.ws.get_mut())
                .poll_flush(cx)
                .map(|done| done.map_err(WsError::Io)),
            other => other,
        };
        match flushed {
            Poll::Ready(Ok(())) => {
                self.needs_flush = false;
                let written = std::mem::take(&mut self.unflushed);
                self.flushed.add(written);
                self.blocked_since = None;
                Ok(true)
            }
            Poll::Ready(Err(error)) => Err(error),
            Poll::Pending => {
                self.blocked_since.get_or_insert_with(Instant::now);
                Ok(false)
            }
        }
    }

    /// A write failed: a close in progress ends as it was going to, a
    /// broken connection as lost.
    fn broken(&self, error: &WsError) -> CloseInfo {
        match &self.closing {
            Closing::Open => CloseInfo::lost(error),
            _ => self.eof(),
        }
    }

    /// The end for a deadline that has passed: the peer stopped reading,
    /// or never finished the close.
    fn overdue(&self) -> Option<CloseInfo> {
        let now = Instant::now();
        if self.close_deadline.is_some_and(|d| d <= now) {
            let mut info = self.eof();
            if let Closing::Sent(_) = self.closing {
                info.error = Some(format!(
                    "the {} did not answer the close within {} s",
                    self.limits.peer,
                    self.limits.disconnect_timeout.as_secs_f64()
                ));
            }
            return Some(info);
        }
        let since = self.blocked_since?;
        if now.duration_since(since) < self.limits.send_timeout {
            return None;
        }
        let mut info = self.eof();
        if let Closing::Open = self.closing {
            info.error = Some(format!(
                "the {} stopped reading: nothing could be sent for {} s (send_timeout)",
                self.limits.peer,
                self.limits.send_timeout.as_secs_f64()
            ));
        }
        Some(info)
    }

    /// Sends a keepalive ping when one is due; a peer that let the last
    /// one go unanswered is told 1011 and the connection ends.
    fn keep_alive(&mut self) {
        let open = matches!(self.closing, Closing::Open) && !self.reads_paused;
        if !open || self.keepalive.due().is_none_or(|due| due > Instant::now()) {
            return;
        }
        match self.keepalive.tick() {
            Tick::Ping(payload) => self.queue(WsMessage::Ping(payload.into())),
            Tick::Expired(why) => {
                let info = CloseInfo {
                    by: Closer::Dropped,
                    code: 1011,
                    reason: why.clone(),
                    error: Some(why),
                };
                self.refusing(CloseCode::Error, info);
            }
            Tick::Wait => {}
        }
    }

    /// Wakes the task at the next deadline.
    fn arm_timer(&mut self, cx: &mut Context<'_>) {
        let stall = self.blocked_since.map(|s| s + self.limits.send_timeout);
        let ping = match self.closing {
            Closing::Open if !self.reads_paused => self.keepalive.due(),
            _ => None,
        };
        let next = [stall, self.close_deadline, ping]
            .into_iter()
            .flatten()
            .min();
        let Some(at) = next else { return };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
        if timer.deadline() != at {
            timer.as_mut().reset(at);
        }
        // Registers the waker; a deadline already past is seen next round.
        if timer.as_mut().poll(cx).is_ready() {
            cx.waker().wake_by_ref();
        }
    }
}
