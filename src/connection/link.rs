//! What the blocking handles and the connection's task share about sending:
//! the bytes queued and not yet written out, bounded by `send_buffer_size`
//! (a send that finds the queue over it waits until half of it is written
//! out, watching the interrupt flag: so a script that sends faster than the
//! peer takes is woken once per batch, not once per message), and how the
//! connection ended, as soon as the task knows.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::CloseInfo;
use super::inbox::SLICE;

pub(super) struct Link {
    state: Mutex<State>,
    changed: Condvar,
    capacity: usize,
}

struct State {
    queued: usize,
    /// Senders waiting for room.
    waiting: usize,
    ended: Option<CloseInfo>,
}

/// Why a wait for room ended without it.
pub(super) enum Stopped {
    Interrupted,
    Ended(CloseInfo),
}

impl Link {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                queued: 0,
                waiting: 0,
                ended: None,
            }),
            changed: Condvar::new(),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts bytes handed to the task.
    pub(super) fn add(&self, bytes: usize) {
        self.lock().queued += bytes;
    }

    /// Where a sender that found the queue full resumes: half of it.
    fn resume_mark(&self) -> usize {
        self.capacity / 2
    }

    /// Counts bytes written out; wakes the senders waiting for room once
    /// the queue is down to the resume mark.
    pub(super) fn release(&self, bytes: usize) {
        let mut state = self.lock();
        state.queued = state.queued.saturating_sub(bytes);
        let wake = state.waiting > 0 && state.queued <= self.resume_mark();
        drop(state);
        if wake {
            self.changed.notify_all();
        }
    }

    /// Records how the connection ended (the first end counts).
    pub(super) fn end(&self, info: CloseInfo) {
        self.lock().ended.get_or_insert(info);
        self.changed.notify_all();
    }

    pub(super) fn ended(&self) -> Option<CloseInfo> {
        self.lock().ended.clone()
    }

    /// Returns at once while what is queued fits in the send buffer;
    /// otherwise waits until it is down to half. Fails when interrupted,
    /// or when the connection ended with the bytes unsent.
    pub(super) fn wait_room(&self, interrupt: &AtomicBool) -> Result<(), Stopped> {
        let mut state = self.lock();
        if state.queued <= self.capacity {
            return Ok(());
        }
        state.waiting += 1;
        let stopped = loop {
            if state.queued <= self.resume_mark() {
                break None;
            }
            if let Some(info) = &state.ended {
                break Some(Stopped::Ended(info.clone()));
            }
            if interrupt.load(Ordering::Relaxed) {
                break Some(Stopped::Interrupted);
            }
            state = self
                .changed
                .wait_timeout(state, SLICE)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        };
        state.waiting -= 1;
        stopped.map_or(Ok(()), Err)
    }

    /// Waits at most `limit` for the end.
    pub(super) fn wait_end(&self, limit: Duration) -> Option<CloseInfo> {
        let deadline = Instant::now() + limit;
        let mut state = self.lock();
        loop {
            if let Some(info) = &state.ended {
                return Some(info.clone());
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            state = self
                .changed
                .wait_timeout(state, left.min(SLICE))
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
