//! Output written by a thread of its own behind a queue bounded in bytes,
//! so a reader that stops taking it (a terminal paused with Ctrl+S, a slow
//! pipe) never stops the connection's reads and pongs. A chunk that finds
//! the queue full is dropped, and the items it held are counted and told
//! to the [`Drain`] after the batch written before them. A chunk sent with
//! [`Spool::send_reserved`] may also take a reserve beyond the capacity
//! (a quarter of it), so what is sent that way (the result of a line, an
//! error) survives a flood of the rest. A failed write is
//! kept and returned by the next [`Spool::send`] or by [`Spool::finish`].
//! `ws listen` writes standard output through one; the session's prompt
//! printer is fed through another.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a chunk counts for in the bound: the memory it holds (its
/// capacity: a buffer made for 128 KiB that carries one short line holds
/// 128 KiB) and its place in the queue, so a flood of tiny chunks is
/// bounded like a few large ones.
fn cost(chunk: &Vec<u8>) -> usize {
    /// A chunk's cost beyond its buffer, in bytes.
    const OVERHEAD: usize = 64;
    chunk.capacity() + OVERHEAD
}

/// Where a spool's thread writes.
pub(crate) trait Drain: Send + 'static {
    /// Writes a batch of chunks, in order.
    fn write(&mut self, batch: Vec<Vec<u8>>) -> io::Result<()>;
    /// Tells of `count` items dropped before the batch just written.
    fn dropped(&mut self, count: usize) -> io::Result<()>;
}

/// The sending end: cheap to call from the connection's loop.
pub(crate) struct Spool {
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
    /// Chunks handed over, and chunks written (or given up on a failure).
    sent: u64,
    written: u64,
    /// Items dropped and not yet told.
    dropped: usize,
    /// The first write that failed: its kind and text.
    failed: Option<(io::ErrorKind, String)>,
    finished: bool,
}

/// Waits until the chunks handed over before it was made are written.
pub(crate) struct Written {
    shared: Arc<Shared>,
    upto: u64,
}

impl Spool {
    /// Starts the thread `name` that writes into `drain`, with at most
    /// `capacity` bytes waiting.
    pub(crate) fn start(name: &str, capacity: usize, mut drain: impl Drain) -> io::Result<Spool> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            capacity,
        });
        let writer = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || writer.write_all(&mut drain))?;
        Ok(Spool {
            shared,
            thread: Some(thread),
        })
    }

    /// Hands over a chunk holding `items` items; drops it (counted) when
    /// the queue is full. Fails once a write has failed.
    pub(crate) fn send(&self, chunk: Vec<u8>, items: usize) -> io::Result<()> {
        self.push(chunk, items, self.shared.capacity)
    }

    /// Like [`send`](Spool::send), for a chunk that may take the reserve:
    /// it is dropped only when the queue is full beyond it too.
    pub(crate) fn send_reserved(&self, chunk: Vec<u8>, items: usize) -> io::Result<()> {
        let capacity = self.shared.capacity;
        self.push(chunk, items, capacity.saturating_add(capacity / 4))
    }

    fn push(&self, chunk: Vec<u8>, items: usize, capacity: usize) -> io::Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let mut state = self.shared.lock();
        if let Some(error) = failure(&state) {
            return Err(error);
        }
        let cost = cost(&chunk);
        if state.bytes > 0 && state.bytes + cost > capacity {
            state.dropped += items;
            return Ok(());
        }
        state.bytes += cost;
        state.sent += 1;
        state.chunks.push_back(chunk);
        drop(state);
        self.shared.changed.notify_all();
        Ok(())
    }

    /// A waiter for what is handed over so far.
    pub(crate) fn written(&self) -> Written {
        Written {
            shared: self.shared.clone(),
            upto: self.shared.lock().sent,
        }
    }

    /// Waits until everything handed over is written; how the writes went.
    pub(crate) fn finish(&mut self) -> io::Result<()> {
        self.shared.lock().finished = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        failure(&self.shared.lock()).map_or(Ok(()), Err)
    }
}

/// Dropped, a spool lets its thread write what is queued and end on its
/// own: a printer that is blocked must not block whoever drops it. Call
/// [`Spool::finish`] to wait.
impl Drop for Spool {
    fn drop(&mut self) {
        self.shared.lock().finished = true;
        self.shared.changed.notify_all();
    }
}

impl Written {
    /// Waits (at most `limit`) until those chunks are written.
    pub(crate) fn wait(self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let mut state = self.shared.lock();
        while state.written < self.upto && state.failed.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
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
    fn write_all(&self, drain: &mut impl Drain) {
        loop {
            let (batch, dropped, finished) = self.take();
            let (bytes, chunks) = (batch.iter().map(cost).sum::<usize>(), batch.len());
            let mut written = drain.write(batch);
            if written.is_ok() && dropped > 0 {
                written = drain.dropped(dropped);
            }
            let mut state = self.lock();
            state.bytes -= bytes;
            state.written += chunks as u64;
            if let Err(e) = written {
                state.failed = Some((e.kind(), e.to_string()));
                state.chunks.clear();
                state.bytes = 0;
            }
            let stop = finished || state.failed.is_some();
            drop(state);
            self.changed.notify_all();
            if stop {
                return;
            }
        }
    }

    /// Waits for chunks (or the finish) and takes them all, with the count
    /// of items dropped since the last batch.
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// Writes into a channel, each batch once the test lets it.
    struct Gated {
        go: mpsc::Receiver<()>,
        out: mpsc::Sender<String>,
    }

    impl Drain for Gated {
        fn write(&mut self, batch: Vec<Vec<u8>>) -> io::Result<()> {
            let _ = self.go.recv();
            for chunk in batch {
                let _ = self.out.send(String::from_utf8_lossy(&chunk).into_owned());
            }
            Ok(())
        }

        fn dropped(&mut self, count: usize) -> io::Result<()> {
            let _ = self.out.send(format!("dropped {count}"));
            Ok(())
        }
    }

    /// The items told dropped (in one count or more, as the writer's
    /// batches fell).
    fn dropped(written: &[String]) -> usize {
        written
            .iter()
            .filter_map(|w| w.strip_prefix("dropped "))
            .map(|n| n.parse::<usize>().unwrap())
            .sum()
    }

    /// What a spool of 4096 bytes wrote of what `send` handed it while
    /// its writer was held back, once let go.
    fn written_after(send: impl FnOnce(&Spool)) -> Vec<String> {
        let (go, gate) = mpsc::channel();
        let (out, written) = mpsc::channel();
        let mut spool = Spool::start("test-spool", 4096, Gated { go: gate, out }).unwrap();
        send(&spool);
        for _ in 0..1000 {
            let _ = go.send(());
        }
        drop(go);
        spool.finish().unwrap();
        written.try_iter().collect()
    }

    #[test]
    fn a_reserved_chunk_passes_a_flood_that_fills_the_queue() {
        let written = written_after(|spool| {
            for i in 0..100 {
                spool.send(format!("traffic {i}").into_bytes(), 1).unwrap();
            }
            spool.send_reserved(b"result".to_vec(), 1).unwrap();
        });
        let traffic = written.iter().filter(|w| w.starts_with("traffic")).count();
        assert!(traffic < 100, "nothing was dropped: {written:?}");
        assert!(written.contains(&"result".to_string()), "{written:?}");
        assert_eq!(dropped(&written), 100 - traffic);
    }

    #[test]
    fn the_reserve_is_bounded_too() {
        let written = written_after(|spool| {
            for i in 0..100 {
                spool
                    .send_reserved(format!("result {i}").into_bytes(), 1)
                    .unwrap();
            }
        });
        let kept = written.iter().filter(|w| w.starts_with("result")).count();
        // 4096 bytes and a quarter more, at least 64 bytes a chunk.
        assert!(kept <= 5120 / 64 + 1, "{kept} kept");
        assert_eq!(dropped(&written), 100 - kept);
    }
}
