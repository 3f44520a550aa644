//! The receive queue behind `recv`: the connection task pushes, the blocking
//! side waits on a condition variable in short slices so an interrupt is
//! seen promptly. One hop per message; a push wakes only when someone
//! waits. It holds at most a [`Bound`] of messages and of bytes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::engine::cost;
use super::{CloseInfo, Message};

/// How long a blocking wait sleeps before it looks at the interrupt flag.
pub(crate) const SLICE: Duration = Duration::from_millis(20);

/// How much a queue of received messages holds: at most `messages` of
/// them, and at most `bytes` counted as [`cost`] (one message larger than
/// that is still taken, alone).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bound {
    pub messages: usize,
    pub bytes: usize,
}

impl Bound {
    /// Whether a queue of `count` items that hold `held` bytes must let
    /// its oldest go before it takes an item of `cost` bytes.
    pub(crate) fn full(&self, count: usize, held: usize, cost: usize) -> bool {
        count >= self.messages.max(1) || (count > 0 && held + cost > self.bytes)
    }
}

pub(crate) struct Inbox {
    state: Mutex<State>,
    ready: Condvar,
}

struct State {
    queue: VecDeque<Message>,
    /// What the queued messages count for (see [`cost`]).
    held: usize,
    bound: Bound,
    keep: bool,
    closed: Option<CloseInfo>,
    /// Connections made so far (more than one after a reconnect).
    connections: u64,
    /// Threads waiting on `ready`.
    waiting: usize,
}

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
    /// Nothing arrived in time.
    Timeout(Option<Duration>),
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
        crate::Error::from(self.clone()).fmt(f)
    }
}

impl std::error::Error for RecvError {}

impl Inbox {
    pub(crate) fn new(bound: Bound, keep: bool) -> Self {
        Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                held: 0,
                bound,
                keep,
                closed: None,
                connections: 1,
                waiting: 0,
            }),
            ready: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a message if messages are being kept; returns how many old
    /// ones had to go to make room.
    pub(crate) fn push(&self, message: Message) -> usize {
        let mut state = self.lock();
        if !state.keep {
            return 0;
        }
        let mut dropped = 0;
        let size = cost(message.len());
        while state.bound.full(state.queue.len(), state.held, size) {
            let Some(oldest) = state.queue.pop_front() else {
                break;
            };
            state.held -= cost(oldest.len());
            dropped += 1;
        }
        state.held += size;
        state.queue.push_back(message);
        let wake = state.waiting > 0;
        drop(state);
        if wake {
            self.ready.notify_all();
        }
        dropped
    }

    pub(crate) fn set_closed(&self, info: CloseInfo) {
        let mut state = self.lock();
        if state.closed.is_none() {
            state.closed = Some(info);
        }
        drop(state);
        self.ready.notify_all();
    }

    /// Waits at most `limit` until the end is recorded (every message
    /// before it is in the queue by then).
    pub(crate) fn wait_closed(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut state = self.lock();
        while state.closed.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            state = self.wait(state, left.min(SLICE));
        }
    }

    /// Waits on `ready` at most `slice`, counted as a waiter meanwhile.
    fn wait<'a>(&self, mut state: MutexGuard<'a, State>, slice: Duration) -> MutexGuard<'a, State> {
        state.waiting += 1;
        let mut state = self
            .ready
            .wait_timeout(state, slice)
            .unwrap_or_else(|e| e.into_inner())
            .0;
        state.waiting -= 1;
        state
    }

    /// Starts or stops keeping messages; stopping drops what is queued.
    pub(crate) fn set_keep(&self, keep: bool) {
        let mut state = self.lock();
        state.keep = keep;
        if !keep {
            state.queue.clear();
            state.held = 0;
        }
    }

    /// Counts a new connection and wakes the waits that watch for one.
    pub(crate) fn reconnected(&self) {
        self.lock().connections += 1;
        self.ready.notify_all();
    }

    /// Connections made so far.
    pub(crate) fn connections(&self) -> u64 {
        self.lock().connections
    }

    /// Waits for the next message, at most `timeout` (`None`: no limit).
    /// With `known`, a wait with no message ends when a connection past
    /// that count has opened.
    pub(crate) fn recv(
        &self,
        timeout: Option<Duration>,
        interrupt: &AtomicBool,
        known: Option<u64>,
    ) -> Result<Message, RecvError> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut state = self.lock();
        loop {
            if let Some(message) = state.queue.pop_front() {
                state.held -= cost(message.len());
                return Ok(message);
            }
            if known.is_some_and(|known| state.connections > known) {
                return Err(RecvError::Reconnected);
            }
            if let Some(info) = &state.closed {
                return Err(RecvError::Closed(info.clone()));
            }
            if interrupt.load(Ordering::Relaxed) {
                return Err(RecvError::Interrupted);
            }
            let mut slice = SLICE;
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(RecvError::Timeout(timeout));
                }
                slice = slice.min(left);
            }
            state = self.wait(state, slice);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(count: usize) -> Bound {
        Bound {
            messages: count,
            bytes: usize::MAX,
        }
    }

    #[test]
    fn the_bytes_held_are_bounded_too() {
        let inbox = Inbox::new(
            Bound {
                messages: 100,
                bytes: cost(1000) * 2,
            },
            true,
        );
        let text = |c: char| Message::Text(c.to_string().repeat(1000));
        assert_eq!(inbox.push(text('a')), 0);
        assert_eq!(inbox.push(text('b')), 0);
        assert_eq!(inbox.push(text('c')), 1);
        // One message over the bound is still taken, alone.
        assert_eq!(inbox.push(Message::Text("d".repeat(5000))), 2);
        let flag = AtomicBool::new(false);
        let first = inbox.recv(Some(Duration::ZERO), &flag, None).unwrap();
        assert_eq!(first, Message::Text("d".repeat(5000)));
        assert_eq!(inbox.push(text('e')), 0);
    }

    #[test]
    fn a_full_queue_drops_the_oldest() {
        let inbox = Inbox::new(messages(2), true);
        assert_eq!(inbox.push(Message::Text("a".into())), 0);
        inbox.push(Message::Text("b".into()));
        assert_eq!(inbox.push(Message::Text("c".into())), 1);
        let flag = AtomicBool::new(false);
        let first = inbox.recv(Some(Duration::ZERO), &flag, None).unwrap();
        assert_eq!(first, Message::Text("b".into()));
    }

    #[test]
    fn messages_are_not_kept_unless_asked() {
        let inbox = Inbox::new(messages(10), false);
        inbox.push(Message::Text("a".into()));
        let flag = AtomicBool::new(false);
        let result = inbox.recv(Some(Duration::from_millis(30)), &flag, None);
        assert!(matches!(result, Err(RecvError::Timeout(_))));
    }

    #[test]
    fn an_interrupt_ends_the_wait() {
        let inbox = Inbox::new(messages(10), true);
        let flag = AtomicBool::new(true);
        assert!(matches!(
            inbox.recv(None, &flag, None),
            Err(RecvError::Interrupted)
        ));
    }
}
