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
    use crate::transcript::tests::sample;

    fn write(width: usize) -> String {
        let mut sink = TextSink::new(Vec::new(), width);
        for line in sample() {
            sink.line(&line).unwrap();
        }
        sink.finish().unwrap();
        sink.finish().unwrap();
        String::from_utf8(sink.out).unwrap()
    }

    #[test]
    fn lines_are_plain_text_without_escape_codes() {
        let text = write(100);
        assert!(!text.contains('\x1b'));
        assert!(text.starts_with("connected to ws://127.0.0.1:8000\n> send 'hi'\n"));
        assert!(text.contains("< text </svg><script>alert(1)</script> & \"q\"\n\n"));
        assert!(text.ends_with("closed\u{241b}[31m 1006\n"));
    }

    #[test]
    fn long_lines_wrap_at_the_width() {
        let text = write(10);
        assert!(text.starts_with("connected \nto ws://12\n7.0.0.1:80\n00\n"));
        assert!(text.lines().all(|l| l.chars().count() <= 10));
    }

    #[test]
    fn a_line_after_finish_is_refused() {
        let mut sink = TextSink::new(Vec::new(), 10);
        sink.finish().unwrap();
        assert!(sink.line(&Line::new()).is_err());
    }
}
