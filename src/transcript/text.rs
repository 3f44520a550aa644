//! The plain-text transcript: each row of the shared layout as a line of
//! text, without escape codes, written to disk as the console prints it.

use std::io::{self, Write};

use super::{already_finished, rows};
use crate::console::{Line, Sink};

/// Writes rows as lines of plain text.
pub(super) struct TextSink<W: Write + Send> {
    out: W,
    width: usize,
    finished: bool,
}

impl<W: Write + Send> TextSink<W> {
    /// A sink writing to `out`, wrapping at `width` columns.
    pub(super) fn new(out: W, width: usize) -> Self {
        Self {
            out,
            width,
            finished: false,
        }
    }
}

impl<W: Write + Send> Sink for TextSink<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if self.finished {
            return Err(already_finished());
        }
        for row in rows(line, self.width) {
            for segment in &row.segments {
                self.out.write_all(segment.text.as_bytes())?;
            }
            self.out.write_all(b"\n")?;
        }
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.finished = true;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_after_finish_is_refused() {
        let mut sink = TextSink::new(Vec::new(), 10);
        sink.finish().unwrap();
        assert!(sink.line(&Line::new()).is_err());
    }
}
