//! A transcript kept in memory: the newest lines a console showed, for a
//! test's report and for programs that look at what a session showed.

use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::console::{Line, Sink};

/// A [`Sink`] that keeps the newest `limit` lines in memory (older ones are
/// let go, so a long session cannot fill memory). Every clone sees the same
/// lines: attach one to a console and read another.
///
/// ```
/// use ws::{Console, Role, transcript::Recorder};
///
/// let (recorder, console) = (Recorder::new(2), Console::silent());
/// console.add_sink(Box::new(recorder.clone()));
/// for word in ["one", "two", "three"] {
///     console.say(Role::Info, word);
/// }
/// assert_eq!(recorder.text(), "two\nthree");
/// assert_eq!(recorder.lines()[0].plain(), "two");
/// ```
#[derive(Clone)]
pub struct Recorder {
    lines: Arc<Mutex<VecDeque<Line>>>,
    limit: usize,
}

impl Recorder {
    /// A recorder that keeps at most `limit` lines.
    pub fn new(limit: usize) -> Self {
        let lines = Arc::new(Mutex::new(VecDeque::new()));
        Self { lines, limit }
    }

    fn lock(&self) -> MutexGuard<'_, VecDeque<Line>> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The lines kept, oldest first.
    pub fn lines(&self) -> Vec<Line> {
        self.lock().iter().cloned().collect()
    }

    /// The plain text of the lines kept, one a line.
    pub fn text(&self) -> String {
        let plain: Vec<String> = self.lock().iter().map(Line::plain).collect();
        plain.join("\n")
    }
}

impl Sink for Recorder {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if self.limit == 0 {
            return Ok(());
        }
        let mut lines = self.lock();
        if lines.len() == self.limit {
            lines.pop_front();
        }
        lines.push_back(line.clone());
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}
