//! Stopping work that waits: Ctrl+C (and the signals that end the process)
//! cancel the unit of work under way (a session line, a script, a test),
//! and every wait of that unit wakes at once, whatever it waits for: a
//! message, room to send, a deadline. A unit of work that starts after a
//! cancellation gets a fresh token ([`Interrupt::renew`]), so a session
//! goes on after Ctrl+C.
//!
//! The blocking side (a Rhai function, the prompt's thread) waits through
//! [`block`]: the future it waits for, raced against the token and the
//! deadline on the calling thread, with the process's runtime driving the
//! sockets and timers. Nothing polls.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::runtime::runtime;

/// The cancellation of the work under way, shared by every clone: the
/// signal handlers [`fire`](Interrupt::fire) it, the waits of that work
/// watch its [`token`](Interrupt::token).
#[derive(Clone, Debug, Default)]
pub(crate) struct Interrupt {
    current: Arc<Current>,
}

#[derive(Debug, Default)]
struct Current {
    token: Mutex<CancellationToken>,
    /// Whether the token is cancelled, read without the lock (Rhai asks
    /// between every two operations).
    fired: AtomicBool,
}

impl Interrupt {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, CancellationToken> {
        self.current.token.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The token of the work under way; taken at the start of each wait.
    pub(crate) fn token(&self) -> CancellationToken {
        self.lock().clone()
    }

    /// Cancels the work under way (every wait watching it wakes).
    pub(crate) fn fire(&self) {
        let token = self.lock();
        self.current.fired.store(true, Ordering::SeqCst);
        token.cancel();
    }

    /// Whether the work under way is cancelled.
    pub(crate) fn is_set(&self) -> bool {
        self.current.fired.load(Ordering::Relaxed)
    }

    /// Starts a new unit of work: after a cancellation, a fresh token.
    pub(crate) fn renew(&self) {
        let mut current = self.lock();
        if current.is_cancelled() {
            *current = CancellationToken::new();
            self.current.fired.store(false, Ordering::SeqCst);
        }
    }
}

/// Why a blocking wait ended without its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// The token was cancelled (Ctrl+C).
    Cancelled,
    /// The deadline passed.
    TimedOut,
}

/// Waits on this thread (never a thread of the runtime) for `future`,
/// at most until `deadline`, and no longer than the token stays uncancelled.
pub(crate) fn block<F: Future>(
    future: F,
    cancel: &CancellationToken,
    deadline: Option<Instant>,
) -> Result<F::Output, Stopped> {
    // Whoever made the connection, queue or display this waits on started
    // the runtime (and reported it if it could not): without one, nothing
    // can come, and the wait ends as if cancelled.
    let (false, Ok(runtime)) = (cancel.is_cancelled(), runtime()) else {
        return Err(Stopped::Cancelled);
    };
    runtime.block_on(async {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(Stopped::Cancelled),
            done = future => Ok(done),
            () = until(deadline) => Err(Stopped::TimedOut),
        }
    })
}

/// The deadline `timeout` from now; `None` (never) for no timeout or one
/// too far to count.
pub(crate) fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

/// Completes at `deadline`, or never.
pub(crate) async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_unit_wakes_its_wait_and_the_next_unit_starts_fresh() {
        let interrupt = Interrupt::new();
        let token = interrupt.token();
        let fire = interrupt.clone();
        let firing = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            fire.fire();
        });
        let waited = block(std::future::pending::<()>(), &token, None);
        assert_eq!(waited, Err(Stopped::Cancelled));
        firing.join().unwrap();
        assert!(interrupt.is_set());
        interrupt.renew();
        assert!(!interrupt.is_set());
        let fresh = interrupt.token();
        let soon = Instant::now() + Duration::from_millis(10);
        assert_eq!(
            block(std::future::pending::<()>(), &fresh, Some(soon)),
            Err(Stopped::TimedOut)
        );
        assert_eq!(block(async { 7 }, &fresh, None), Ok(7));
    }
}
