//! What the blocking handles and the connection's task share about sending:
//! the bytes queued and not yet written out, bounded by `send_buffer_size`
//! (a send that finds the queue over it waits until half of it is written
//! out, watching the interrupt flag: so a script that sends faster than the
//! peer takes is woken once per batch, not once per message), and how the
//! connection ended, as soon as the task knows.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use super::CloseInfo;
use super::inbox::SLICE;

/// What every send and every write touch is lock-free, so a sender and
/// the task do not contend for a lock per message; the lock and the
/// condition variable are only for those who wait.
pub(super) struct Link {
    /// Bytes handed to the task and not yet written out.
    queued: AtomicUsize,
    /// Senders waiting for room.
    waiting: AtomicUsize,
    /// How the connection ended (the first end counts).
    ended: OnceLock<CloseInfo>,
    /// Held by a waiter while it checks, and by whoever wakes it.
    gate: Mutex<()>,
    changed: Condvar,
    capacity: usize,
}

/// Why a wait for room ended without it.
pub(super) enum Stopped {
    Interrupted,
    Ended(CloseInfo),
}

impl Link {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            queued: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            ended: OnceLock::new(),
            gate: Mutex::new(()),
            changed: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ()> {
        self.gate.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter; taking the gate orders the wake-up after a
    /// waiter's check.
    fn wake(&self) {
        drop(self.lock());
        self.changed.notify_all();
    }

    /// Counts bytes handed to the task.
    pub(super) fn add(&self, bytes: usize) {
        self.queued.fetch_add(bytes, Ordering::SeqCst);
    }

    /// Where a sender that found the queue full resumes: half of it.
    fn resume_mark(&self) -> usize {
        self.capacity / 2
    }

    /// Counts bytes written out; wakes the senders waiting for room once
    /// the queue is down to the resume mark.
    pub(super) fn release(&self, bytes: usize) {
        let before = self
            .queued
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |q| {
                Some(q.saturating_sub(bytes))
            })
            .unwrap_or_else(|q| q);
        let now = before.saturating_sub(bytes);
        if self.waiting.load(Ordering::SeqCst) > 0 && now <= self.resume_mark() {
            self.wake();
        }
    }

    /// Records how the connection ended (the first end counts).
    pub(super) fn end(&self, info: CloseInfo) {
        let _ = self.ended.set(info);
        self.wake();
    }

    pub(super) fn ended(&self) -> Option<CloseInfo> {
        self.ended.get().cloned()
    }

    /// Returns at once while what is queued fits in the send buffer;
    /// otherwise waits until it is down to half. Fails when interrupted,
    /// or when the connection ended with the bytes unsent.
    pub(super) fn wait_room(&self, interrupt: &AtomicBool) -> Result<(), Stopped> {
        if self.queued.load(Ordering::SeqCst) <= self.capacity {
            return Ok(());
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut gate = self.lock();
        let stopped = loop {
            if self.queued.load(Ordering::SeqCst) <= self.resume_mark() {
                break None;
            }
            if let Some(info) = self.ended.get() {
                break Some(Stopped::Ended(info.clone()));
            }
            if interrupt.load(Ordering::Relaxed) {
                break Some(Stopped::Interrupted);
            }
            gate = self
                .changed
                .wait_timeout(gate, SLICE)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        drop(gate);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        stopped.map_or(Ok(()), Err)
    }

    /// Waits at most `limit` for the end.
    pub(super) fn wait_end(&self, limit: Duration) -> Option<CloseInfo> {
        let deadline = Instant::now() + limit;
        let mut gate = self.lock();
        loop {
            if let Some(info) = self.ended.get() {
                return Some(info.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            gate = self
                .changed
                .wait_timeout(gate, left.min(SLICE))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Closer;

    #[test]
    fn a_full_queue_waits_until_interrupted_or_released() {
        let link = Link::new(10);
        let flag = AtomicBool::new(false);
        link.add(8);
        assert!(link.wait_room(&flag).is_ok());
        link.add(8);
        flag.store(true, Ordering::Relaxed);
        assert!(matches!(link.wait_room(&flag), Err(Stopped::Interrupted)));
        link.release(8);
        assert!(link.wait_room(&flag).is_ok());
    }

    #[test]
    fn an_end_with_bytes_unsent_fails_the_wait() {
        let link = Link::new(1);
        link.add(5);
        let info = CloseInfo {
            by: Closer::Dropped,
            code: 1006,
            reason: String::new(),
            error: Some("gone".into()),
        };
        link.end(info.clone());
        let flag = AtomicBool::new(false);
        assert!(matches!(link.wait_room(&flag), Err(Stopped::Ended(i)) if i == info));
    }
}
