//! Standard output written by a thread of its own, so a reader that stops
//! taking it (a terminal paused with Ctrl+S, a slow pipe) never stops the
//! connection's reads and pongs. Chunks go through a queue bounded in
//! bytes ([`QUEUE_BYTES`]); a chunk that finds the queue full is dropped,
//! and the messages it held are reported on standard error once output
//! moves again. A failed write (a closed pipe) is kept and returned by the
//! next [`Output::send`] or by [`Output::finish`].

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use crate::console::{Console, Line, Role};

/// How many bytes of output may wait for a reader that does not take them.
pub(crate) const QUEUE_BYTES: usize = 16 * 1024 * 1024;

/// The writing end: cheap to call from the connection's loop.
pub(crate) struct Output {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    capacity: usize,
}

#[derive(Default)]
struct State {
    chunks: VecDeque<Vec<u8>>,
    bytes: usize,
    /// Messages dropped and not yet reported.
    dropped: usize,
    /// The first write that failed: its kind and text.
    failed: Option<(io::ErrorKind, String)>,
    finished: bool,
}

impl Output {
    /// Starts the thread that writes to standard output.
    pub(crate) fn stdout() -> io::Result<Output> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            capacity: QUEUE_BYTES,
        });
        let writer = shared.clone();
        let thread = std::thread::Builder::new()
            .name("ws-stdout".into())
            .spawn(move || writer.write_all(&mut io::stdout().lock()))?;
        Ok(Output {
            shared,
            thread: Some(thread),
        })
    }

    /// Hands over a chunk holding `messages` messages; drops it (counted)
    /// when the queue is full. Fails once a write has failed.
    pub(crate) fn send(&self, chunk: Vec<u8>, messages: usize) -> io::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let mut state = self.shared.lock();
        if let Some(error) = failure(&state) {
            return Err(error);
        }
        if state.bytes > 0 && state.bytes + chunk.len() > self.shared.capacity {
            state.dropped += messages;
            return Ok(());
        }
        state.bytes += chunk.len();
        state.chunks.push_back(chunk);
        drop(state);
        self.shared.changed.notify_one();
        Ok(())
    }

    /// Waits until everything handed over is written; how the writes went.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        self.shared.lock().finished = true;
        self.shared.changed.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        failure(&self.shared.lock()).map_or(Ok(()), Err)
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// The failed write, as an error to return.
fn failure(state: &State) -> Option<io::Error> {
    let (kind, text) = state.failed.as_ref()?;
    Some(io::Error::new(*kind, text.clone()))
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The thread: writes what is queued, a batch at a time, until
    /// finished and empty, or until a write fails.
    fn write_all(&self, out: &mut impl Write) {
        loop {
            let (batch, dropped, finished) = self.take();
            let mut written = batch.iter().try_for_each(|chunk| out.write_all(chunk));
            if written.is_ok() {
                written = out.flush();
            }
            let mut state = self.lock();
            state.bytes -= batch.iter().map(Vec::len).sum::<usize>();
            if let Err(e) = written {
                state.failed = Some((e.kind(), e.to_string()));
                state.chunks.clear();
                state.bytes = 0;
                return;
            }
            drop(state);
            if dropped > 0 {
                Console::stdio().err(Line::of(
                    Role::Warning,
                    format!(
                        "Standard output did not keep up: {dropped} message(s) were not shown."
                    ),
                ));
            }
            if finished {
                return;
            }
        }
    }

    /// Waits for chunks (or the finish) and takes them all, with the count
    /// of messages dropped since the last batch.
    fn take(&self) -> (Vec<Vec<u8>>, usize, bool) {
        let mut state = self.lock();
        while state.chunks.is_empty() && !state.finished {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let batch = state.chunks.drain(..).collect();
        let dropped = std::mem::take(&mut state.dropped);
        (batch, dropped, state.finished)
    }
}
