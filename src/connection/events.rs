//! The hop between a connection's task and its observer: the task hands
//! events over without waiting, and one thread per connection shows them
//! (through the [`Observer`]) and then keeps the messages for `recv`, in
//! arrival order. So a terminal that is paused or a slow transcript never
//! stops the task's reads and pongs. The hop holds at most as much as the
//! receive queue (its [`Bound`] of messages and bytes), pings and pongs
//! counted with the messages (a ping flood while the output is stuck is
//! bounded like a message flood); past that the oldest go, and drops are
//! reported once per burst, like those of the receive queue. The task
//! hands events over and wakes the thread once per batch of reads
//! ([`Events::push_all`]), not once per message.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::engine::cost;
use super::inbox::{Bound, Inbox};
use super::{CloseInfo, Event, Message, Note, Observer, Retry};

/// How long drops are gathered into one notice.
const OVERFLOW_REPORT_DELAY: Duration = Duration::from_millis(250);
/// How many events may wait before a push wakes the thread by itself (and
/// how many a task gathers before it hands them over).
pub(super) const WAKE_BATCH: usize = 64;

/// An event the task hands over.
pub(super) enum Owned {
    Message(Message),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Reconnecting(Retry),
    Reconnected(u32),
    Keepalive(Note),
}

impl Owned {
    /// What it counts for in the bound when the peer sent it (what a flood
    /// is made of): a message, a ping or a pong.
    fn traffic(&self) -> Option<usize> {
        match self {
            Owned::Message(message) => Some(cost(message.len())),
            Owned::Ping(payload) | Owned::Pong(payload) => Some(cost(payload.len())),
            _ => None,
        }
    }
}

pub(super) struct Events {
    state: Mutex<State>,
    ready: Condvar,
    bound: Bound,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Owned>,
    /// Messages, pings and pongs in the queue (the kinds a peer can
    /// flood), and what they count for.
    traffic: usize,
    held: usize,
    dropped: usize,
    ended: Option<CloseInfo>,
    /// Whether the thread waits for events.
    waiting: bool,
}

impl Events {
    /// Starts the thread that shows events and fills `inbox`.
    pub(super) fn start(bound: Bound, inbox: Arc<Inbox>, observer: Observer) -> Arc<Events> {
        let events = Arc::new(Events {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            bound,
        });
        let shown = events.clone();
        // A thread that cannot start leaves the events unshown; the task
        // goes on regardless.
        let _ = std::thread::Builder::new()
            .name("ws-events".into())
            .spawn(move || shown.show(&inbox, &observer));
        events
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands an event over, never waiting. The thread is woken by
    /// [`push_all`](Self::push_all), or here once a batch is waiting.
    pub(super) fn push(&self, event: Owned) {
        let mut state = self.lock();
        self.add(&mut state, event);
        let wake = state.waiting && state.queue.len() >= WAKE_BATCH;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Hands over the events gathered (emptying `events`) under one lock,
    /// and wakes the thread if it waits: the end of a batch of reads.
    pub(super) fn push_all(&self, events: &mut Vec<Owned>) {
        let mut state = self.lock();
        for event in events.drain(..) {
            self.add(&mut state, event);
        }
        let wake = state.waiting && !state.queue.is_empty();
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Queues an event; a message, ping or pong past the bound drops the
    /// oldest of them.
    fn add(&self, state: &mut State, event: Owned) {
        if let Some(size) = event.traffic() {
            while self.bound.full(state.traffic, state.held, size) {
                let oldest = state.queue.iter().position(|e| e.traffic().is_some());
                let Some(gone) = oldest.and_then(|i| state.queue.remove(i)?.traffic()) else {
                    break;
                };
                state.held -= gone;
                state.traffic -= 1;
                state.dropped += 1;
            }
            state.traffic += 1;
            state.held += size;
        }
        state.queue.push_back(event);
    }

    /// The last event: the thread shows what is left, then the end.
    pub(super) fn end(&self, info: CloseInfo) {
        self.lock().ended = Some(info);
        self.ready.notify_one();
    }

    /// The thread: shows events in batches until the end is shown.
    fn show(&self, inbox: &Inbox, observer: &Observer) {
        let mut dropped = 0;
        let mut due: Option<Instant> = None;
        loop {
            let (batch, newly_dropped, ended) = self.take(due);
            for event in batch {
                match event {
                    Owned::Message(message) => {
                        observer(Event::Message(&message));
                        dropped += inbox.push(message);
                    }
                    Owned::Ping(payload) => observer(Event::Ping(&payload)),
                    Owned::Pong(payload) => observer(Event::Pong(&payload)),
                    Owned::Reconnecting(retry) => observer(Event::Reconnecting(&retry)),
                    Owned::Keepalive(note) => observer(Event::Keepalive(note)),
                    Owned::Reconnected(attempt) => {
                        inbox.reconnected();
                        observer(Event::Reconnected(attempt));
                    }
                }
            }
            dropped += newly_dropped;
            if dropped > 0 && due.is_none() {
                due = Some(Instant::now() + OVERFLOW_REPORT_DELAY);
            }
            let report_now = due.is_some_and(|d| Instant::now() >= d) || ended.is_some();
            if dropped > 0 && report_now {
                observer(Event::Overflow(dropped));
                (dropped, due) = (0, None);
            }
            if let Some(info) = ended {
                inbox.set_closed(info.clone());
                observer(Event::Closed(&info));
                return;
            }
        }
    }

    /// Waits for events (or the end, or the overflow notice's time) and
    /// takes all there are.
    fn take(&self, due: Option<Instant>) -> (VecDeque<Owned>, usize, Option<CloseInfo>) {
        let mut state = self.lock();
        while state.queue.is_empty() && state.ended.is_none() {
            let wait = match due {
                Some(due) => due.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if wait.is_zero() {
                break;
            }
            state.waiting = true;
            state = self
                .ready
                .wait_timeout(state, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            state.waiting = false;
        }
        let batch = std::mem::take(&mut state.queue);
        state.traffic = 0;
        state.held = 0;
        let dropped = std::mem::take(&mut state.dropped);
        let ended = if batch.is_empty() {
            state.ended.take()
        } else {
            None
        };
        (batch, dropped, ended)
    }
}
