//! The one queue of every hand-over between threads and tasks: what a
//! script sends to its connection, what a connection keeps for `recv`, what
//! the console hands its display thread, what `ws pipe` reads from standard
//! input. Each is a [`Queue`] that charges what it holds to a [`Budget`],
//! bounded in items and in bytes (an item's [`Weigh::weight`]); several
//! queues may share one budget (every connection of a script shares one
//! for what `recv` has not taken).
//!
//! A producer that must never wait (a connection's task) asks
//! [`Budget::is_full`] before it reads more and waits for
//! [`Budget::room`]: that is flow control, nothing is dropped. A producer
//! that may wait (a script sending) pushes with [`Queue::push`], which waits
//! for room. A full budget opens again only once it is down to half (its
//! low-water mark), so a producer that outruns its consumer is woken once
//! per batch, not once per item. Every wait is async, woken by tokio's
//! `Notify`; the blocking forms wait through [`crate::cancel::block`], so
//! Ctrl+C and deadlines end them at once.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::cancel::{Stopped, block};

/// What an item counts for in a budget's bound on bytes.
pub(crate) trait Weigh {
    fn weight(&self) -> usize;
}

/// How much a budget holds at most. One item is always taken when the
/// budget holds nothing, whatever its weight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bound {
    pub items: usize,
    pub bytes: usize,
}

/// What the queues sharing it hold, against their bound.
pub(crate) struct Budget {
    bound: Bound,
    held: Mutex<Held>,
    /// Wakes the producers that wait for room.
    room: Notify,
}

#[derive(Default)]
struct Held {
    items: usize,
    bytes: usize,
    /// Someone found it full and waits (or will ask again) for room.
    blocked: bool,
}

impl Held {
    fn fits(&self, bound: Bound, weight: usize) -> bool {
        self.items == 0
            || (self.items < bound.items && self.bytes.saturating_add(weight) <= bound.bytes)
    }

    /// At or past the low-water mark: half of either bound.
    fn above_low(&self, bound: Bound) -> bool {
        self.items > bound.items / 2 || self.bytes > bound.bytes / 2
    }

    fn full(&self, bound: Bound) -> bool {
        self.items >= bound.items || self.bytes >= bound.bytes
    }
}

impl Budget {
    pub(crate) fn new(bound: Bound) -> Arc<Budget> {
        Arc::new(Budget {
            bound: Bound {
                items: bound.items.max(1),
                bytes: bound.bytes.max(1),
            },
            held: Mutex::new(Held::default()),
            room: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The items and bytes held.
    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let held = self.lock();
        (held.items, held.bytes)
    }

    /// Charges an item when it fits; a full budget remembers it was asked.
    fn try_charge(&self, weight: usize) -> bool {
        let mut held = self.lock();
        if held.fits(self.bound, weight) {
            held.items += 1;
            held.bytes += weight;
            true
        } else {
            held.blocked = true;
            false
        }
    }

    /// Charges an item whatever the bound.
    fn charge(&self, weight: usize) {
        let mut held = self.lock();
        held.items += 1;
        held.bytes += weight;
    }

    /// Gives back what an item held; wakes those waiting for room once the
    /// budget is down to its low-water mark (or empty).
    fn release(&self, weight: usize) {
        self.give_back(1, weight);
    }

    /// Gives back what `items` items of `bytes` in all held, taken with
    /// [`Queue::pop_charged`] (see [`release`](Budget::release)).
    pub(crate) fn give_back(&self, items: usize, bytes: usize) {
        let mut held = self.lock();
        held.items = held.items.saturating_sub(items);
        held.bytes = held.bytes.saturating_sub(bytes);
        let wake = held.blocked && (!held.above_low(self.bound) || held.items == 0);
        if wake {
            held.blocked = false;
        }
        drop(held);
        if wake {
            self.room.notify_waiters();
        }
    }

    /// Whether it is at its bound: a producer that must not wait stops
    /// here, and waits for [`room`](Budget::room).
    pub(crate) fn is_full(&self) -> bool {
        let mut held = self.lock();
        let full = held.full(self.bound);
        held.blocked |= full;
        full
    }

    /// Whether an item of `weight` would be taken now.
    pub(crate) fn would_take(&self, weight: usize) -> bool {
        self.lock().fits(self.bound, weight)
    }

    /// Waits until the budget is down to its low-water mark.
    pub(crate) async fn room(&self) {
        self.wait(|held, bound| !held.above_low(bound)).await;
    }

    /// Waits until an item of `weight` fits and the budget is down to its
    /// low-water mark (or empty, for an item larger than half of it).
    async fn room_for(&self, weight: usize) {
        self.wait(|held, bound| {
            held.items == 0 || (!held.above_low(bound) && held.fits(bound, weight))
        })
        .await;
    }

    async fn wait(&self, ready: impl Fn(&Held, Bound) -> bool) {
        loop {
            let notified = self.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut held = self.lock();
                if ready(&held, self.bound) {
                    return;
                }
                held.blocked = true;
            }
            notified.await;
        }
    }

    /// Whether it holds more than its bound (one item larger than it).
    fn over(&self) -> bool {
        let held = self.lock();
        held.items > self.bound.items || held.bytes > self.bound.bytes
    }
}

/// A first-in, first-out queue charged to a [`Budget`]; it may be closed
/// (pushes are refused, pops take what is left, then `None`).
pub(crate) struct Queue<T> {
    state: Mutex<State<T>>,
    /// Wakes a consumer waiting for an item (or all of them at the close).
    /// Only consumers wait on it: `notify_one` must reach one of them.
    ready: Notify,
    /// Wakes the producers waiting for room when the queue closes.
    closing: Notify,
    budget: Arc<Budget>,
}

struct State<T> {
    items: VecDeque<(T, usize)>,
    closed: bool,
}

/// What [`Queue::take_first`] came to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Sought<T> {
    Found(T),
    /// The queue is closed and holds nothing wanted.
    Closed,
    /// The budget is full of items nobody wanted.
    Full,
}

/// Why a blocking push did not go through.
#[derive(Debug)]
pub(crate) enum Refused<T> {
    /// The queue is closed; the item comes back.
    Closed(T),
    /// The wait for room was cancelled or timed out.
    Stopped(Stopped),
}

impl<T: Weigh> Queue<T> {
    /// A queue with a budget of its own.
    pub(crate) fn bounded(bound: Bound) -> Queue<T> {
        Queue::charged_to(Budget::new(bound))
    }

    /// A queue charged to `budget` (which other queues may share).
    pub(crate) fn charged_to(budget: Arc<Budget>) -> Queue<T> {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
            }),
            ready: Notify::new(),
            closing: Notify::new(),
            budget,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }

    /// Queues `item` charged (or not) already; the item back when closed.
    fn append(&self, item: T, weight: usize) -> Result<(), T> {
        let mut state = self.lock();
        if state.closed {
            drop(state);
            self.budget.release(weight);
            return Err(item);
        }
        state.items.push_back((item, weight));
        drop(state);
        self.ready.notify_one();
        Ok(())
    }

    /// Queues `item` if it fits; gives it back when full or closed.
    pub(crate) fn try_push(&self, item: T) -> Result<(), T> {
        let weight = item.weight();
        if !self.budget.try_charge(weight) {
            return Err(item);
        }
        self.append(item, weight)
    }

    /// Queues `item` whatever the bound (what a producer that must not wait
    /// has read, the end of a connection); gives it back when closed.
    pub(crate) fn push_over(&self, item: T) -> Result<(), T> {
        let weight = item.weight();
        self.budget.charge(weight);
        self.append(item, weight)
    }

    /// Queues `item`, waiting for room; gives it back when closed.
    pub(crate) async fn push(&self, mut item: T) -> Result<(), T> {
        loop {
            if self.is_closed() {
                return Err(item);
            }
            match self.try_push(item) {
                Ok(()) => return Ok(()),
                Err(back) if self.is_closed() => return Err(back),
                Err(back) => item = back,
            }
            let weight = item.weight();
            tokio::select! {
                () = self.budget.room_for(weight) => {}
                () = self.closed() => {}
            }
        }
    }

    /// [`push`](Queue::push) from a thread outside the runtime.
    pub(crate) fn push_blocking(
        &self,
        item: T,
        cancel: &CancellationToken,
        deadline: Option<Instant>,
    ) -> Result<(), Refused<T>> {
        let item = match self.try_push(item) {
            Ok(()) => return Ok(()),
            Err(item) => item,
        };
        match block(self.push(item), cancel, deadline) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(item)) => Err(Refused::Closed(item)),
            Err(stopped) => Err(Refused::Stopped(stopped)),
        }
    }

    /// Waits, after a push that took the queue past its bound (an item
    /// larger than it), until the queue is down to its low-water mark or
    /// closed: a producer of large items then waits for each to be taken.
    /// Whether it waited.
    pub(crate) async fn settle(&self) -> bool {
        if !self.budget.over() {
            return false;
        }
        tokio::select! {
            () = self.budget.room() => {}
            () = self.closed() => {}
        }
        true
    }

    /// Takes the first item, if any.
    pub(crate) fn try_pop(&self) -> Option<T> {
        let (item, weight) = self.lock().items.pop_front()?;
        self.budget.release(weight);
        Some(item)
    }

    /// Takes every item queued.
    pub(crate) fn drain(&self) -> Vec<T> {
        let taken = std::mem::take(&mut self.lock().items);
        taken
            .into_iter()
            .map(|(item, weight)| {
                self.budget.release(weight);
                item
            })
            .collect()
    }

    /// Waits for the first item; `None` once closed and empty.
    pub(crate) async fn pop(&self) -> Option<T> {
        let (item, weight) = self.pop_charged().await?;
        self.budget.release(weight);
        Some(item)
    }

    /// Waits for the first item and its weight, still charged to the
    /// budget: the consumer gives it back ([`Budget::give_back`]) once it
    /// is done with the item (a message to send, once written out).
    pub(crate) async fn pop_charged(&self) -> Option<(T, usize)> {
        loop {
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let popped = self.lock().items.pop_front();
            if let Some(item) = popped {
                if !self.is_empty() {
                    // Another consumer may be waiting too.
                    self.ready.notify_one();
                }
                return Some(item);
            }
            if self.is_closed() {
                return None;
            }
            notified.await;
        }
    }

    /// Waits for the first item that `wanted` accepts and takes it; what
    /// it passes over stays queued, in order. Ends with [`Sought::Full`]
    /// when the budget is full and nothing queued is wanted: the producer
    /// waits for room that only another consumer can make. One consumer
    /// at a time looks through a queue (the one that holds its handle).
    pub(crate) async fn take_first(&self, wanted: impl Fn(&T) -> bool) -> Sought<T> {
        loop {
            let notified = self.ready.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let found = {
                let mut state = self.lock();
                match state.items.iter().position(|(item, _)| wanted(item)) {
                    Some(at) => state.items.remove(at),
                    None if state.closed => return Sought::Closed,
                    None => None,
                }
            };
            if let Some((item, weight)) = found {
                self.budget.release(weight);
                return Sought::Found(item);
            }
            if self.budget.is_full() {
                return Sought::Full;
            }
            notified.await;
        }
    }

    /// [`pop`](Queue::pop) from a thread outside the runtime: the item, or
    /// `Ok(None)` once closed and empty.
    pub(crate) fn pop_blocking(
        &self,
        cancel: &CancellationToken,
        deadline: Option<Instant>,
    ) -> Result<Option<T>, Stopped> {
        if let Some(item) = self.try_pop() {
            return Ok(Some(item));
        }
        if self.is_closed() {
            return Ok(None);
        }
        block(self.pop(), cancel, deadline)
    }

    /// Completes once the queue is closed.
    async fn closed(&self) {
        loop {
            let notified = self.closing.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Refuses pushes from now on; waiting consumers and producers wake.
    pub(crate) fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_waiters();
        self.closing.notify_waiters();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.lock().items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::cancel::deadline;

    impl Weigh for Vec<u8> {
        fn weight(&self) -> usize {
            self.len()
        }
    }

    fn bytes(n: usize) -> Vec<u8> {
        vec![0; n]
    }

    #[test]
    fn a_full_budget_refuses_until_it_is_down_to_half() {
        let queue = Queue::bounded(Bound {
            items: 100,
            bytes: 10,
        });
        for _ in 0..5 {
            queue.try_push(bytes(2)).unwrap();
        }
        assert!(queue.budget().is_full());
        assert!(queue.try_push(bytes(1)).is_err());
        let token = CancellationToken::new();
        let soon = deadline(Some(Duration::from_millis(20)));
        // Room for one more item is not enough to wake a waiter: half is.
        queue.try_pop().unwrap();
        let waited = block(queue.budget().room(), &token, soon);
        assert_eq!(waited, Err(Stopped::TimedOut));
        queue.try_pop().unwrap();
        queue.try_pop().unwrap();
        assert_eq!(block(queue.budget().room(), &token, None), Ok(()));
    }

    #[test]
    fn one_item_larger_than_the_bound_goes_alone() {
        let queue = Queue::bounded(Bound {
            items: 10,
            bytes: 4,
        });
        queue.try_push(bytes(100)).unwrap();
        assert!(queue.try_push(bytes(1)).is_err());
        assert_eq!(queue.try_pop().map(|b| b.len()), Some(100));
        queue.try_push(bytes(1)).unwrap();
    }

    #[test]
    fn queues_sharing_a_budget_share_its_bound() {
        let budget = Budget::new(Bound {
            items: 3,
            bytes: 1000,
        });
        let (a, b) = (
            Queue::charged_to(budget.clone()),
            Queue::charged_to(budget.clone()),
        );
        a.try_push(bytes(1)).unwrap();
        b.try_push(bytes(1)).unwrap();
        a.try_push(bytes(1)).unwrap();
        assert!(b.try_push(bytes(1)).is_err());
        assert_eq!(budget.held(), (3, 3));
        b.drain();
        assert_eq!(budget.held(), (2, 2));
    }

    #[test]
    fn a_wait_for_an_item_wakes_on_a_push_from_another_thread() {
        let queue = Arc::new(Queue::bounded(Bound {
            items: 10,
            bytes: 100,
        }));
        let pusher = queue.clone();
        let pushing = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            pusher.try_push(bytes(3)).unwrap();
        });
        let token = CancellationToken::new();
        let popped = queue.pop_blocking(&token, None).unwrap();
        assert_eq!(popped.map(|b| b.len()), Some(3));
        pushing.join().unwrap();
    }

    #[test]
    fn a_closed_queue_gives_what_is_left_then_none_and_refuses_pushes() {
        let queue = Queue::bounded(Bound {
            items: 10,
            bytes: 100,
        });
        queue.try_push(bytes(1)).unwrap();
        queue.close();
        assert!(queue.try_push(bytes(2)).is_err());
        assert!(queue.push_over(bytes(2)).is_err());
        let token = CancellationToken::new();
        assert!(queue.pop_blocking(&token, None).unwrap().is_some());
        assert!(queue.pop_blocking(&token, None).unwrap().is_none());
        assert_eq!(queue.budget().held(), (0, 0));
    }

    #[test]
    fn a_blocked_push_wakes_when_the_queue_closes_or_the_token_is_cancelled() {
        let queue = Arc::new(Queue::bounded(Bound {
            items: 1,
            bytes: 100,
        }));
        queue.try_push(bytes(1)).unwrap();
        let closer = queue.clone();
        let closing = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            closer.close();
        });
        let token = CancellationToken::new();
        let pushed = queue.push_blocking(bytes(1), &token, None);
        assert!(matches!(pushed, Err(Refused::Closed(_))));
        closing.join().unwrap();
        let other = Queue::bounded(Bound {
            items: 1,
            bytes: 100,
        });
        other.try_push(bytes(1)).unwrap();
        token.cancel();
        let pushed = other.push_blocking(bytes(1), &token, None);
        assert!(matches!(pushed, Err(Refused::Stopped(Stopped::Cancelled))));
    }
}
