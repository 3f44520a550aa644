//! The plain-text transcript: each console line as one line of text,
//! without escape codes, written to disk as the console prints it. Lines
//! are never wrapped (wrapping is for the pictures), so a long message or
//! URL stays whole for grep; control characters are made visible and tabs
//! expanded as in the other formats.

use std::io::{self, Write};

use super::{already_finished, rows};
use crate::console::{Line, Sink};

/// Writes lines of plain text.
pub(super) struct TextSink<W: Write + Send> {
    out: W,
    finished: bool,
}

impl<W: Write + Send> TextSink<W> {
    /// A sink writing to `out`.
    pub(super) fn new(out: W) -> Self {
        Self {
            out,
            finished: false,
        }
    }
}

impl<W: Write + Send> Sink for TextSink<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if self.finished {
            return Err(already_finished());
        }
        for row in rows(line, usize::MAX) {
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
    fn long_lines_stay_whole() {
        let url = format!("ws://example.com/{}", "long-path/".repeat(30));
        let mut sink = TextSink::new(Vec::new());
        sink.line(&Line::of(crate::console::Role::Url, url.as_str()))
            .unwrap();
        assert_eq!(String::from_utf8(sink.out).unwrap(), format!("{url}\n"));
    }

    #[test]
    fn a_line_after_finish_is_refused() {
        let mut sink = TextSink::new(Vec::new());
        sink.finish().unwrap();
        assert!(sink.line(&Line::new()).is_err());
    }
}
