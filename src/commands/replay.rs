//! `ws replay FILE`: plays a transcript back at the pace it was recorded.
//!
//! A file whose first line is an asciicast v2 header is a recording (`-f
//! FILE.cast`): each output event is shown at its time. Anything else is
//! read as a text transcript: a message line (`< text 12:00:01.250 …`) is
//! shown at its clock time, other lines right after the line before.
//! `--speed` divides every pause, `--idle-limit` (or the recording's own
//! `idle_time_limit`) caps it, `--no-wait` prints everything at once.
//!
//! A shared recording is untrusted: only colour codes reach the terminal
//! (and only when it shows colours); every other control character is
//! shown as a visible symbol, so no file can move the cursor, retitle the
//! window or hide text. Without colours the output is plain text, the same
//! as the `.txt` transcript of the same session.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::time::Duration;

use crate::cli::ReplayArgs;
use crate::console::render::colour_wanted;
use crate::error::{Error, Result};
use crate::transcript::cast::{Event, Header};

/// Seconds in a day: a text transcript's clock that goes back has passed
/// midnight.
const DAY: f64 = 86_400.0;

pub(crate) fn run(args: ReplayArgs) -> Result<i32> {
    let path = args.file.as_path();
    let mut pace = Pace::new(&args)?;
    let input: Box<dyn BufRead> = if path == Path::new("-") {
        Box::new(io::stdin().lock())
    } else {
        let file = File::open(path).map_err(|e| Error::file("read", path, e))?;
        Box::new(BufReader::new(file))
    };
    // A line is read up to max_message_size: an endless one (a device,
    // a broken file) is an error that names it, not all of memory.
    let mut lines = crate::bounded::TextLines::new(input, super::line_limit()?);
    let out = io::stdout();
    let mut screen = Screen {
        colour: colour_wanted(out.is_terminal()),
        out: out.lock(),
        buffer: String::new(),
    };
    let first = match lines.next() {
        None => return Ok(0),
        Some(line) => line.map_err(|e| Error::file("read", path, e))?,
    };
    let played = match Header::parse(&first) {
        Some(header) => {
            pace.limit_idle(header.idle_time_limit);
            play_cast(lines, &mut pace, &mut screen, path)
        }
        None => play_text(
            std::iter::once(Ok(first)).chain(lines),
            &mut pace,
            &mut screen,
            path,
        ),
    };
    // What played before an error is shown before it.
    let flushed = screen.flush();
    match played.and(flushed) {
        Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e),
        Ok(()) => Ok(0),
    }
}

/// Plays the events after a recording's header.
fn play_cast(
    lines: impl Iterator<Item = io::Result<String>>,
    pace: &mut Pace,
    screen: &mut Screen,
    path: &Path,
) -> Result<()> {
    for (index, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::file("read", path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        match Event::parse(&line) {
            Some(Event::Output(time, data)) => {
                pace.wait_until(time, screen)?;
                screen.show(&data)?;
            }
            Some(Event::Other) => {}
            None => {
                return Err(Error::Usage(format!(
                    "line {} of {} is not an asciicast v2 event ([time, code, text]); \
                     is the file complete?",
                    index + 2,
                    path.display()
                )));
            }
        }
    }
    Ok(())
}

/// Plays a text transcript, pausing before message lines by their clock.
fn play_text(
    lines: impl Iterator<Item = io::Result<String>>,
    pace: &mut Pace,
    screen: &mut Screen,
    path: &Path,
) -> Result<()> {
    let mut day = DayClock::default();
    for line in lines {
        let line = line.map_err(|e| Error::file("read", path, e))?;
        if let Some(seconds) = message_clock(&line) {
            pace.wait_until(day.since_start(seconds), screen)?;
        }
        screen.show(&line)?;
        screen.show("\n")?;
    }
    Ok(())
}

/// The clock time (seconds into the day) of a message line as transcripts
/// write it: `< KIND HH:MM:SS.mmm …`, maybe after a `[label] `.
fn message_clock(line: &str) -> Option<f64> {
    let rest = match line.strip_prefix('[') {
        Some(labelled) => labelled.split_once("] ")?.1,
        None => line,
    };
    let (_kind, rest) = rest.strip_prefix("< ")?.split_once(' ')?;
    let clock = rest.get(..12)?.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<f64> {
        let text = std::str::from_utf8(clock.get(range)?).ok()?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    let separators = clock[2] == b':' && clock[5] == b':' && clock[8] == b'.';
    let (h, m, s, ms) = (digits(0..2)?, digits(3..5)?, digits(6..8)?, digits(9..12)?);
    (separators && h < 24.0 && m < 60.0 && s < 61.0)
        .then_some(h * 3600.0 + m * 60.0 + s + ms / 1000.0)
}

/// Turns clock times of day into seconds since the first one, across
/// midnight.
#[derive(Default)]
struct DayClock {
    first: Option<f64>,
    last: f64,
    days: f64,
}

impl DayClock {
    fn since_start(&mut self, seconds: f64) -> f64 {
        let first = *self.first.get_or_insert(seconds);
        // A clock far behind the last one has passed midnight.
        if seconds + DAY / 2.0 < self.last {
            self.days += DAY;
        }
        self.last = seconds;
        seconds + self.days - first
    }
}

/// When to show the next piece: the recorded time of the last one and how
/// the pauses are shaped.
struct Pace {
    speed: f64,
    idle_limit: Option<f64>,
    wait: bool,
    last: Option<f64>,
}

impl Pace {
    fn new(args: &ReplayArgs) -> Result<Pace> {
        if !(args.speed.is_finite() && args.speed > 0.0) {
            return Err(Error::Usage(format!(
                "--speed {} is not a speed; use a positive number (2 plays twice as fast)",
                super::number(args.speed)
            )));
        }
        if let Some(limit) = args.idle_limit {
            super::seconds("--idle-limit", limit)?;
        }
        Ok(Pace {
            speed: args.speed,
            idle_limit: args.idle_limit,
            wait: !args.no_wait,
            last: None,
        })
    }

    /// Takes the recording's own limit unless one was given.
    fn limit_idle(&mut self, recorded: Option<f64>) {
        let recorded = recorded.filter(|l| l.is_finite() && *l > 0.0);
        self.idle_limit = self.idle_limit.or(recorded);
    }

    /// Sleeps the pause before a piece recorded at `time`; what is already
    /// shown reaches the screen first.
    fn wait_until(&mut self, time: f64, screen: &mut Screen) -> Result<()> {
        if let Some(pause) = self.pause(time) {
            screen.flush()?;
            std::thread::sleep(pause);
        }
        Ok(())
    }

    /// The pause between the last piece and one recorded at `time`: the
    /// recorded gap capped at the idle limit and divided by the speed;
    /// `None` for no pause.
    fn pause(&mut self, time: f64) -> Option<Duration> {
        let gap = (time - self.last.unwrap_or(time)).max(0.0);
        self.last = Some(time);
        let gap = self.idle_limit.map_or(gap, |limit| gap.min(limit)) / self.speed;
        (self.wait && gap > 0.0).then(|| Duration::try_from_secs_f64(gap).unwrap_or(Duration::MAX))
    }
}

/// Standard output as replay writes it: colour codes kept or dropped,
/// every other control made visible, `\r\n` as `\n`.
struct Screen {
    out: io::StdoutLock<'static>,
    colour: bool,
    buffer: String,
}

impl Screen {
    fn show(&mut self, data: &str) -> Result<()> {
        sanitize(data, self.colour, &mut self.buffer);
        if self.buffer.len() >= 64 * 1024 {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let written = self
            .out
            .write_all(self.buffer.as_bytes())
            .and_then(|()| self.out.flush());
        self.buffer.clear();
        written.map_err(|e| Error::io("cannot write the output", e))
    }
}

/// Appends `data` to `out` safe for a terminal: SGR colour sequences
/// (`ESC [ … m`) are kept when `colour`, else dropped; `\r\n` becomes
/// `\n`; newlines and tabs stay; every other control character becomes
/// its visible symbol.
fn sanitize(data: &str, colour: bool, out: &mut String) {
    let mut chars = data.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\x1b' => match sgr_length(&data[at..]) {
                Some(length) => {
                    if colour {
                        out.push_str(&data[at..at + length]);
                    }
                    while chars.next_if(|(next, _)| *next < at + length).is_some() {}
                }
                None => out.push(crate::transcript::visible(c)),
            },
            '\r' if chars.peek().is_some_and(|(_, next)| *next == '\n') => {}
            '\n' | '\t' => out.push(c),
            c => out.push(crate::transcript::visible(c)),
        }
    }
}

/// The length of the SGR sequence at the start of `text`, if it is one.
fn sgr_length(text: &str) -> Option<usize> {
    let params = text.strip_prefix("\x1b[")?;
    let end = params.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
    params[end..].starts_with('m').then_some(2 + end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(data: &str, colour: bool) -> String {
        let mut out = String::new();
        sanitize(data, colour, &mut out);
        out
    }

    #[test]
    fn only_colour_codes_reach_the_terminal() {
        let data = "\x1b[1m\x1b[31mred\x1b[39m\x1b[0m\r\n\x1b]0;title\x07\x1b[2J\rx";
        assert_eq!(
            clean(data, true),
            "\x1b[1m\x1b[31mred\x1b[39m\x1b[0m\n\u{241b}]0;title\u{2407}\u{241b}[2J\u{240d}x"
        );
        assert_eq!(
            clean(data, false),
            "red\n\u{241b}]0;title\u{2407}\u{241b}[2J\u{240d}x"
        );
        assert_eq!(clean("a\tb\u{9b}", false), "a\tb\u{fffd}");
    }

    #[test]
    fn message_lines_carry_their_clock() {
        assert_eq!(message_clock("< text 01:02:03.250 hi"), Some(3723.25));
        assert_eq!(message_clock("[b] < binary 23:59:59.999 "), Some(86399.999));
        for not in ["text 01:02:03.250", "< text 1:02:03.250 x", "< text", "hi"] {
            assert_eq!(message_clock(not), None, "{not}");
        }
    }

    fn pace(speed: f64, idle_limit: Option<f64>, no_wait: bool) -> Result<Pace> {
        let args = ReplayArgs {
            file: "x.cast".into(),
            speed,
            idle_limit,
            no_wait,
        };
        Pace::new(&args)
    }

    fn pauses(mut pace: Pace, times: &[f64]) -> Vec<Option<f64>> {
        let mut pauses: Vec<_> = times
            .iter()
            .map(|t| pace.pause(*t).map(|d| d.as_secs_f64()))
            .collect();
        pauses.remove(0);
        pauses
    }

    #[test]
    fn pauses_follow_the_recording_shaped_by_speed_and_idle_limit() {
        let times = [0.5, 1.5, 1.5, 11.5, 11.0];
        assert_eq!(
            pauses(pace(1.0, None, false).unwrap(), &times),
            [Some(1.0), None, Some(10.0), None]
        );
        assert_eq!(
            pauses(pace(2.0, None, false).unwrap(), &times),
            [Some(0.5), None, Some(5.0), None]
        );
        assert_eq!(
            pauses(pace(2.0, Some(2.0), false).unwrap(), &times),
            [Some(0.5), None, Some(1.0), None]
        );
        assert_eq!(pauses(pace(1.0, None, true).unwrap(), &times), [None; 4]);
        let mut recorded = pace(1.0, None, false).unwrap();
        recorded.limit_idle(Some(3.0));
        assert_eq!(pauses(recorded, &times), [Some(1.0), None, Some(3.0), None]);
        let mut given = pace(1.0, Some(1.5), false).unwrap();
        given.limit_idle(Some(3.0));
        assert_eq!(pauses(given, &times)[2], Some(1.5));
    }

    #[test]
    fn speeds_and_limits_are_checked() {
        for speed in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let refused = pace(speed, None, false);
            assert!(matches!(refused, Err(Error::Usage(_))), "{speed}");
        }
        assert!(matches!(pace(1.0, Some(0.0), false), Err(Error::Usage(_))));
    }

    #[test]
    fn the_clock_goes_on_past_midnight() {
        let mut day = DayClock::default();
        assert_eq!(day.since_start(DAY - 1.0), 0.0);
        assert_eq!(day.since_start(DAY - 0.5), 0.5);
        assert_eq!(day.since_start(1.0), 2.0);
    }
}
