//! The process's tokio runtime. Connections live on it; blocking callers (the
//! Rhai engine, the prompt) talk to them over channels and never `block_on`
//! from inside it.
//!
//! One worker thread: a client has a connection or a few, each one task,
//! and the script that drives them runs on a thread of its own. A second
//! worker only lets the task move between threads (and caches) while the
//! socket, the script and the peer already keep two cores busy: with one,
//! a script that sends 1,000 messages of 64 KiB and then reads the echoes
//! takes 0.95 of the time (paired runs), and nothing measured is slower.
//! Nothing blocks on it: name lookups go to tokio's blocking pool, and
//! `ws pipe` reads standard input on a thread of its own.
//!
//! The script's thread does not drive its connections itself while it
//! waits: that saves the wake-ups between the two threads (large echoes
//! take about 0.7 of the time) but stops the socket's work from
//! overlapping the script's (100,000 echoes of 1 KiB take 1.4 times as
//! long or more); see docs/PERFORMANCE.md.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

use crate::error::{Error, Result};

/// The shared runtime, started on first use; an error when the system
/// cannot give it a thread (reported like any other, never an exit).
pub(crate) fn runtime() -> Result<&'static Runtime> {
    static RUNTIME: OnceLock<std::io::Result<Runtime>> = OnceLock::new();
    let started = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("ws-io")
            .enable_all()
            .build()
    });
    started.as_ref().map_err(|e| {
        Error::io(
            "cannot start the I/O runtime",
            std::io::Error::new(e.kind(), e.to_string()),
        )
    })
}
