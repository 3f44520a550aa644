//! What the blocking handles and the connection's task share about sending:
//! the bytes queued and not yet written out, bounded by `send_buffer_size`
//! (a send waits while the queue is over it, watching the interrupt flag),
//! and how the connection ended, as soon as the task knows.

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

    /// Counts bytes written out; wakes senders waiting for room.
    pub(super) fn release(&self, bytes: usize) {
        let mut state = self.lock();
        let was_full = state.queued > self.capacity;
        state.queued = state.queued.saturating_sub(bytes);
        let room = state.queued <= self.capacity;
        drop(state);
        if was_full && room {
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

    /// Waits until what is queued fits in the send buffer again. Fails when
    /// interrupted, or when the connection ended with the bytes unsent.
    pub(super) fn wait_room(&self, interrupt: &AtomicBool) -> Result<(), Stopped> {
        let mut state = self.lock();
        while state.queued > self.capacity {
            if let Some(info) = &state.ended {
                return Err(Stopped::Ended(info.clone()));
            }
            if interrupt.load(Ordering::Relaxed) {
                return Err(Stopped::Interrupted);
            }
            state = self
                .changed
                .wait_timeout(state, SLICE)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        Ok(())
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
