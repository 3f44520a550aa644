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
//! ([`Events::push_all`]), not once per message. A message the observer
//! does not want to see goes into the receive queue from the task itself
//! when the thread has nothing in hand ([`Events::deliver`]): nothing it
//! holds can then be overtaken.

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
    inbox: Arc<Inbox>,
    observer: Observer,
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
    /// Whether the thread has taken events it has not finished showing.
    showing: bool,
}

impl Events {
    /// Starts the thread that shows events and fills `inbox`.
    pub(super) fn start(bound: Bound, inbox: Arc<Inbox>, observer: Observer) -> Arc<Events> {
        let events = Arc::new(Events {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            bound,
            inbox,
            observer,
        });
        let shown = events.clone();
        // A thread that cannot start leaves the events unshown; the task
        // goes on regardless.
        let _ = std::thread::Builder::new()
            .name("ws-events".into())
            .spawn(move || shown.show());
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
        let batch = state.queue.len() >= WAKE_BATCH;
        self.release(state, batch);
    }

    /// Hands over the events gathered (emptying `events`) under one lock,
    /// and wakes the thread if it waits: the end of a batch of reads.
    pub(super) fn push_all(&self, events: &mut Vec<Owned>) {
        let mut state = self.lock();
        for event in events.drain(..) {
            self.add(&mut state, event);
        }
        let any = !state.queue.is_empty();
        self.release(state, any);
    }

    /// Lets go of the lock, then wakes the thread if `wake` and it waits.
    fn release(&self, state: MutexGuard<'_, State>, wake: bool) {
        let wake = wake && state.waiting;
        drop(state);
        if wake {
            self.ready.notify_one();
        }
    }

    /// Puts a message in the receive queue at once when the observer does
    /// not want to see it and the thread has nothing in hand: no event
    /// queued, none being shown. Only the task hands events over, and it
    /// is here, so none can come in between. Otherwise gives the message
    /// back, to be handed over behind the events before it.
    pub(super) fn deliver(&self, message: Message) -> Option<Message> {
        if self.observer.wants_messages() {
            return Some(message);
        }
        let state = self.lock();
        if !state.queue.is_empty() || state.showing {
            return Some(message);
        }
        drop(state);
        let dropped = self.inbox.push(message);
        if dropped > 0 {
            let mut state = self.lock();
            state.dropped += dropped;
            self.release(state, true);
        }
        None
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
    fn show(&self) {
        let (inbox, observer) = (&self.inbox, &self.observer);
        let mut dropped = 0;
        let mut due: Option<Instant> = None;
        loop {
            let (batch, newly_dropped, ended) = self.take(due);
            for event in batch {
                match event {
                    Owned::Message(message) => {
                        observer.see(Event::Message(&message));
                        dropped += inbox.push(message);
                    }
                    Owned::Ping(payload) => observer.see(Event::Ping(&payload)),
                    Owned::Pong(payload) => observer.see(Event::Pong(&payload)),
                    Owned::Reconnecting(retry) => observer.see(Event::Reconnecting(&retry)),
                    Owned::Keepalive(note) => observer.see(Event::Keepalive(note)),
                    Owned::Reconnected(attempt) => {
                        inbox.reconnected();
                        observer.see(Event::Reconnected(attempt));
                    }
                }
            }
            dropped += newly_dropped;
            if dropped > 0 && due.is_none() {
                due = Some(Instant::now() + OVERFLOW_REPORT_DELAY);
            }
            let report_now = due.is_some_and(|d| Instant::now() >= d) || ended.is_some();
            if dropped > 0 && report_now {
                observer.see(Event::Overflow(dropped));
                (dropped, due) = (0, None);
            }
            if let Some(info) = ended {
                inbox.set_closed(info.clone());
                observer.see(Event::Closed(&info));
                return;
            }
        }
    }

    /// Waits for events (or the end, or drops to report, or the overflow
    /// notice's time) and takes all there are: the batch taken before is
    /// shown by now.
    fn take(&self, due: Option<Instant>) -> (VecDeque<Owned>, usize, Option<CloseInfo>) {
        let mut state = self.lock();
        state.showing = false;
        while state.queue.is_empty() && state.ended.is_none() && state.dropped == 0 {
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
        state.showing = !batch.is_empty();
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    use super::*;
    use crate::connection::{Closer, RecvError};

    fn bound(messages: usize) -> Bound {
        Bound {
            messages,
            bytes: usize::MAX,
        }
    }

    fn text(s: &str) -> Message {
        Message::Text(s.into())
    }

    fn end() -> CloseInfo {
        CloseInfo {
            by: Closer::Us,
            code: 1000,
            reason: String::new(),
            error: None,
        }
    }

    /// An observer that sends what `pick` takes from an event.
    fn forwarding<T: Send + 'static>(
        pick: fn(&Event<'_>) -> Option<T>,
    ) -> (Observer, mpsc::Receiver<T>) {
        let (seen, picked) = mpsc::channel();
        let observer = Observer::new(move |event| {
            if let Some(value) = pick(&event) {
                let _ = seen.send(value);
            }
        });
        (observer, picked)
    }

    /// Every message in `inbox`, taken until its end is recorded.
    fn drain(inbox: &Inbox) -> Vec<Message> {
        let flag = AtomicBool::new(false);
        let mut taken = Vec::new();
        while let Ok(message) = inbox.recv(Some(Duration::from_secs(5)), &flag, None) {
            taken.push(message);
        }
        taken
    }

    #[test]
    fn a_message_nothing_shows_goes_straight_to_the_receive_queue() {
        let inbox = Arc::new(Inbox::new(bound(10), true));
        let events = Events::start(bound(10), inbox.clone(), Observer::none());
        assert!(events.deliver(text("a")).is_none());
        let flag = AtomicBool::new(false);
        // There at once: no thread had to pass it on.
        let first = inbox.recv(Some(Duration::ZERO), &flag, None);
        assert_eq!(first.unwrap(), text("a"));
    }

    #[test]
    fn a_message_shown_goes_through_the_thread() {
        let inbox = Arc::new(Inbox::new(bound(10), true));
        let (observer, shown) = forwarding(|event| match event {
            Event::Message(message) => Some((*message).clone()),
            _ => None,
        });
        let events = Events::start(bound(10), inbox.clone(), observer);
        let message = events.deliver(text("a")).expect("handed back");
        events.push_all(&mut vec![Owned::Message(message)]);
        events.end(end());
        assert_eq!(drain(&inbox), [text("a")]);
        assert_eq!(shown.recv().unwrap(), text("a"));
    }

    #[test]
    fn a_message_does_not_overtake_one_the_thread_still_shows() {
        let inbox = Arc::new(Inbox::new(bound(10), true));
        let wanted = Arc::new(AtomicBool::new(true));
        let (release, released) = mpsc::channel::<()>();
        let (showing, started) = mpsc::channel();
        let released = Mutex::new(released);
        let wants = wanted.clone();
        let observer = Observer::new(move |event| {
            if let Event::Message(_) = event {
                let _ = showing.send(());
                let _ = released.lock().unwrap().recv();
            }
        })
        .messages_when(move || wants.load(Ordering::SeqCst));
        let events = Events::start(bound(10), inbox.clone(), observer);
        let first = events.deliver(text("first")).expect("shown");
        events.push_all(&mut vec![Owned::Message(first)]);
        started.recv().unwrap();
        // The terminal stops showing traffic while the first is on screen.
        wanted.store(false, Ordering::SeqCst);
        let second = events.deliver(text("second")).expect("behind the first");
        events.push_all(&mut vec![Owned::Message(second)]);
        // The thread shows what it was handed, the second too.
        release.send(()).unwrap();
        release.send(()).unwrap();
        events.end(end());
        assert_eq!(drain(&inbox), [text("first"), text("second")]);
    }

    #[test]
    fn messages_dropped_on_the_way_straight_in_are_reported() {
        let inbox = Arc::new(Inbox::new(bound(2), true));
        let (observer, reports) = forwarding(|event| match event {
            Event::Overflow(dropped) => Some(*dropped),
            _ => None,
        });
        let observer = observer.messages_when(|| false);
        let events = Events::start(bound(2), inbox.clone(), observer);
        for s in ["a", "b", "c", "d", "e"] {
            assert!(events.deliver(text(s)).is_none());
        }
        let report = reports.recv_timeout(Duration::from_secs(5));
        assert_eq!(report, Ok(3));
        events.end(end());
        assert_eq!(drain(&inbox), [text("d"), text("e")]);
        let flag = AtomicBool::new(false);
        let after = inbox.recv(Some(Duration::ZERO), &flag, None);
        assert!(matches!(after, Err(RecvError::Closed(_))));
    }
}
