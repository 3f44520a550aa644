//! The asciicast v2 transcript (asciinema's format): a JSON header line,
//! then one `[seconds, "o", "text"]` event per console line, written as the
//! console prints it with the real time since the start. Rows are the shared
//! layout's, painted with the terminal's colours and ended with `\r\n`, so
//! the file plays in asciinema's player and `ws replay` reads it back.
//!
//! This module owns the format both ways: `CastSink` writes it and
//! [`Event::parse`] and [`Header::parse`] read it.

use std::io::{self, Write};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::{already_finished, rows};
use crate::console::render::paint;
use crate::console::{Line, Sink};

/// Rows of the recorded terminal (asciinema needs one; ws lines scroll).
const HEIGHT: usize = 24;

/// The time since the start of the recording.
pub(super) type Elapsed = Box<dyn FnMut() -> Duration + Send>;

/// Writes console lines as asciicast v2 events.
pub(super) struct CastSink<W: Write + Send> {
    out: W,
    width: usize,
    elapsed: Elapsed,
    last: Duration,
    painted: String,
    finished: bool,
}

impl<W: Write + Send> CastSink<W> {
    /// A sink recording to `out` a terminal `width` columns wide; the
    /// header is written at once and times count from now.
    pub(super) fn new(out: W, title: &str, width: usize) -> io::Result<Self> {
        let start = Instant::now();
        let since_epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let elapsed = Box::new(move || start.elapsed());
        Self::with_clock(out, title, width, since_epoch.as_secs(), elapsed)
    }

    /// [`CastSink::new`] with the start time (seconds since the epoch) and
    /// the clock given, so tests know every time written.
    pub(super) fn with_clock(
        mut out: W,
        title: &str,
        width: usize,
        timestamp: u64,
        elapsed: Elapsed,
    ) -> io::Result<Self> {
        let header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": HEIGHT,
            "timestamp": timestamp,
            "title": title,
            "env": { "TERM": "xterm-256color" },
        });
        writeln!(out, "{header}")?;
        out.flush()?;
        Ok(Self {
            out,
            width,
            elapsed,
            last: Duration::ZERO,
            painted: String::new(),
            finished: false,
        })
    }
}

impl<W: Write + Send> Sink for CastSink<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if self.finished {
            return Err(already_finished());
        }
        // Times never go back, whatever the clock says.
        self.last = self.last.max((self.elapsed)());
        self.painted.clear();
        for row in rows(line, self.width) {
            paint(&row, true, &mut self.painted);
            self.painted.insert(self.painted.len() - 1, '\r');
        }
        let seconds = self.last.as_secs_f64();
        let text = Value::from(self.painted.as_str());
        writeln!(self.out, "[{seconds:.6}, \"o\", {text}]")?;
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        self.finished = true;
        self.out.flush()
    }
}

/// What `ws replay` needs from a recording's header.
#[derive(Debug, PartialEq)]
pub struct Header {
    /// The longest pause the recording asks players to keep, if any.
    pub idle_time_limit: Option<f64>,
}

impl Header {
    /// Reads the first line of a `.cast` file; `None` unless it is an
    /// asciicast v2 header.
    pub fn parse(line: &str) -> Option<Header> {
        let header: Value = serde_json::from_str(line).ok()?;
        if header.get("version")?.as_u64()? != 2 {
            return None;
        }
        header.get("width")?.as_u64()?;
        Some(Header {
            idle_time_limit: header.get("idle_time_limit").and_then(Value::as_f64),
        })
    }
}

/// One event of a recording.
#[derive(Debug, PartialEq)]
pub enum Event {
    /// Output at a time (seconds since the start).
    Output(f64, String),
    /// Anything else (input, markers, resizes): players skip it.
    Other,
}

impl Event {
    /// Reads one event line; `None` when it is not `[time, "code", "data"]`
    /// with a finite, non-negative time.
    pub fn parse(line: &str) -> Option<Event> {
        let value: Value = serde_json::from_str(line).ok()?;
        let [time, code, data] = value.as_array()?.as_slice() else {
            return None;
        };
        let time = time.as_f64().filter(|t| t.is_finite() && *t >= 0.0)?;
        let data = data.as_str()?;
        Some(match code.as_str()? {
            "o" => Event::Output(time, data.to_string()),
            _ => Event::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Role;
    use std::sync::{Arc, Mutex};

    /// A sink on a shared buffer whose clock reads the given times in turn.
    fn sink(times: Vec<u64>, width: usize) -> (CastSink<Shared>, Shared) {
        let shared = Shared::default();
        let mut times = times.into_iter();
        let clock: Elapsed = Box::new(move || Duration::from_millis(times.next().unwrap_or(0)));
        let sink = CastSink::with_clock(shared.clone(), "t.cast", width, 1_700_000_000, clock);
        (sink.unwrap(), shared)
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[test]
    fn lines_are_timed_events_of_coloured_rows() {
        let (mut cast, out) = sink(vec![250, 1500], 4);
        cast.line(&Line::of(Role::Error, "abcdef")).unwrap();
        cast.line(&Line::of(Role::Plain, "x\x1b")).unwrap();
        cast.finish().unwrap();
        let text = out.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"version":2,"width":4,"height":24,"timestamp":1700000000,"title":"t.cast","env":{"TERM":"xterm-256color"}}"#
        );
        assert_eq!(
            lines[1],
            r#"[0.250000, "o", "\u001b[1m\u001b[31mabcd\u001b[39m\u001b[0m\r\n\u001b[1m\u001b[31mef\u001b[39m\u001b[0m\r\n"]"#
        );
        assert_eq!(lines[2], "[1.500000, \"o\", \"x\u{241b}\\r\\n\"]");
        assert_eq!(
            Event::parse(lines[2]),
            Some(Event::Output(1.5, "x\u{241b}\r\n".into()))
        );
    }

    #[test]
    fn times_never_go_back() {
        let (mut cast, out) = sink(vec![900, 300], 80);
        cast.line(&Line::of(Role::Plain, "a")).unwrap();
        cast.line(&Line::of(Role::Plain, "b")).unwrap();
        let text = out.text();
        let times: Vec<f64> = text
            .lines()
            .skip(1)
            .map(|l| match Event::parse(l) {
                Some(Event::Output(t, _)) => t,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(times, [0.9, 0.9]);
    }

    #[test]
    fn headers_and_events_are_checked_when_read() {
        let header = r#"{"version": 2, "width": 80, "height": 24, "idle_time_limit": 2}"#;
        let limit = Header::parse(header).map(|h| h.idle_time_limit);
        assert_eq!(limit, Some(Some(2.0)));
        assert_eq!(Header::parse(r#"{"version": 1, "width": 80}"#), None);
        assert_eq!(Header::parse("hello"), None);
        assert_eq!(Event::parse(r#"[1.0, "i", "x"]"#), Some(Event::Other));
        for bad in [
            r#"[-1, "o", "x"]"#,
            r#"[1, "o"]"#,
            r#"["1", "o", "x"]"#,
            "[]",
        ] {
            assert_eq!(Event::parse(bad), None, "{bad}");
        }
    }
}
