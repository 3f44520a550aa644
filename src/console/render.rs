//! How connection traffic looks on a console: one header line per message
//! (direction marker, kind, local time, content), binary as a hex dump, JSON
//! pretty-printed on request, sizes in B/KB/MB/GB, and close notices. The
//! session, scripts and the one-shot commands all render through here.

use std::time::SystemTime;

use super::escape::visible_text;
use super::{Line, Mark, Role};
use crate::connection::{CloseInfo, Closer, Event, Message};

/// Marker of a message from the peer.
pub const INCOMING: &str = "<";

/// Marker of a message sent to the peer.
pub const OUTGOING: &str = ">";

/// A byte count as people read it: whole bytes below 1 KiB (`11 B`), then
/// binary multiples with one decimal (`1.5 KiB`, `6.3 MiB`, `1.2 GiB`).
pub fn format_size(bytes: usize) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The local wall-clock time as `HH:MM:SS.mmm`.
pub fn clock(at: SystemTime) -> String {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let (h, m, s) = crate::os::local_time_of_day(at);
    format!("{h:02}:{m:02}:{s:02}.{:03}", since.subsec_millis())
}

/// The header of a message or control frame: `< text 12:00:01.250 `.
fn header(kind: &'static str, clock: &str) -> Line {
    header_as(kind, kind, clock)
}

/// A header whose shown kind is not the mark's: a decoded message's
/// (`< event 12:00:01.250 said {…}`, marked as `decoded`).
fn header_as(mark: &'static str, kind: &str, clock: &str) -> Line {
    Line::new()
        .marked(Mark::Received(mark))
        .push(Role::Incoming, format!("{INCOMING} {kind}"))
        .push(Role::Muted, format!(" {clock} "))
}

/// A frame of an application protocol as it went over the wire, shown
/// with `--verbose`: `< frame 12:00:01.250 2` (`>` for ours).
fn frame_line(sent: bool, message: &Message, at: SystemTime) -> Line {
    let marker = if sent { OUTGOING } else { INCOMING };
    let payload = message.payload();
    let text = match std::str::from_utf8(&payload) {
        Ok(text) => visible_text(text),
        Err(_) => format!("{} of binary", format_size(payload.len())).into(),
    };
    Line::new()
        .push(Role::Muted, format!("{marker} frame {} ", clock(at)))
        .push(Role::Muted, text)
}

/// The notice an event gives besides the message it may carry: a frame
/// of the application protocol (the client core reports them only with
/// `--verbose`), one the protocol does not allow, a reconnection.
pub fn notice(event: &Event) -> Option<Line> {
    match event {
        Event::Frame { sent, message } => Some(frame_line(*sent, message, SystemTime::now())),
        Event::Malformed { why, .. } => Some(Line::of(
            Role::Warning,
            format!("The server sent a frame its protocol does not allow: {why}"),
        )),
        Event::Reconnecting(retry) => Some(Line::of(Role::Warning, retry.notice())),
        Event::Reconnected(attempt) => Some(Line::of(
            Role::Info,
            format!("reconnected (attempt {attempt})"),
        )),
        _ => None,
    }
}

/// The lines showing one message from the peer.
pub fn message_lines(message: &Message, at: SystemTime, json: bool) -> Vec<Line> {
    message_lines_at(message, &clock(at), json)
}

/// The lines showing one message sent to the peer: `> text TIME content`.
pub fn sent_message_lines(message: &Message, at: SystemTime) -> Vec<Line> {
    let mut lines = message_lines(message, at, false);
    if let Some(first) = lines.first_mut().and_then(|l| l.segments.first_mut()) {
        first.role = Role::Outgoing;
        first.text.replace_range(..INCOMING.len(), OUTGOING);
    }
    lines
}

/// [`message_lines`] with the time already formatted (see [`Clock`]).
pub fn message_lines_at(message: &Message, clock: &str, json: bool) -> Vec<Line> {
    match message {
        Message::Text(text) => text_lines(text, clock, json),
        Message::Binary(bytes) => {
            let head = header("binary", clock).push(Role::Number, format_size(bytes.len()));
            std::iter::once(head).chain(hex_dump(bytes)).collect()
        }
        Message::Decoded(decoded) => {
            let (kind, rest) = decoded
                .summary
                .split_once(' ')
                .unwrap_or((&decoded.summary, ""));
            let head = header_as("decoded", &visible_text(kind), clock);
            vec![head.push(Role::Literal, visible_text(rest))]
        }
    }
}

fn text_lines(text: &str, clock: &str, json: bool) -> Vec<Line> {
    let pretty = json
        .then(|| serde_json::from_str::<serde_json::Value>(text).ok())
        .flatten()
        .and_then(|value| serde_json::to_string_pretty(&value).ok());
    let body = pretty.as_deref().unwrap_or(text);
    let role = if pretty.is_some() {
        Role::Literal
    } else {
        Role::Plain
    };
    let mut parts = body.split('\n');
    let first = parts.next().unwrap_or_default();
    let mut lines = vec![header("text", clock).push(role, first)];
    lines
        .extend(parts.map(|part| {
            Line::of(role, part.strip_suffix('\r').unwrap_or(part)).marked(Mark::More)
        }));
    lines
}

/// The local time as [`clock`] formats it, worked out once a second: a
/// fast reader formats thousands of messages a second and calls
/// `localtime` only when the second changes.
#[derive(Debug, Default)]
pub struct Clock {
    second: Option<u64>,
    text: String,
}

impl Clock {
    /// `HH:MM:SS.mmm` of `at`, the same text as [`clock`].
    pub fn at(&mut self, at: SystemTime) -> &str {
        let since = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        if self.second != Some(since.as_secs()) || self.text.len() < 3 {
            self.text = clock(at);
            self.second = Some(since.as_secs());
            return &self.text;
        }
        let millis = since.subsec_millis();
        self.text.truncate(self.text.len() - 3);
        for digit in [millis / 100, millis / 10 % 10, millis % 10] {
            self.text.push(char::from(b'0' + digit as u8));
        }
        &self.text
    }
}

/// Whether output to a terminal (or not) gets colours: only a terminal,
/// and only when `NO_COLOR` is unset or empty.
pub fn colour_wanted(is_terminal: bool) -> bool {
    is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Appends `line` and a newline to `out` as the terminal shows it: with
/// ANSI colours when `colored`, else plain, and control characters made
/// visible (see [`visible_text`]) so no text can drive the terminal.
pub fn paint(line: &Line, colored: bool, out: &mut String) {
    use owo_colors::OwoColorize;
    use std::fmt::Write;
    for segment in &line.segments {
        let (colour, bold) = segment.role.ansi();
        let text = &*visible_text(&segment.text);
        let _ = match (colored, colour) {
            (true, Some(colour)) if bold => write!(out, "{}", text.color(colour).bold()),
            (true, Some(colour)) => write!(out, "{}", text.color(colour)),
            (true, None) if bold => write!(out, "{}", text.bold()),
            _ => {
                out.push_str(text);
                Ok(())
            }
        };
    }
    out.push('\n');
}

/// Appends a text message from the peer to `out`, exactly as
/// [`message_lines_at`] renders it and [`paint`] paints it. A one-line text
/// without colours or JSON is written straight away, without building lines.
pub fn write_text(out: &mut String, text: &str, clock: &str, json: bool, colored: bool) {
    if json || colored || text.contains(['\n', '\r']) {
        for line in text_lines(text, clock, json) {
            paint(&line, colored, out);
        }
        return;
    }
    out.push_str(INCOMING);
    out.push_str(" text ");
    out.push_str(clock);
    out.push(' ');
    out.push_str(&visible_text(text));
    out.push('\n');
}

/// `Sent 5 B of data over the wire.`: the confirmation of a send; on a
/// compressed connection with the size on the wire too, `Sent 8.0 KiB
/// (312 B compressed) of data over the wire.`
pub fn sent_line(size: usize, on_wire: Option<usize>) -> Line {
    let line = Line::of(Role::Info, "Sent ")
        .marked(Mark::Sent)
        .push(Role::Number, format_size(size));
    match on_wire {
        Some(on_wire) => line
            .push(Role::Info, " (")
            .push(Role::Number, format_size(on_wire))
            .push(Role::Info, " compressed) of data over the wire."),
        None => line.push(Role::Info, " of data over the wire."),
    }
}

/// A round trip or a short wait as milliseconds with two decimals
/// (`0.18 ms`), as `ws ping` and the session's `ping` show them.
pub fn millis(duration: std::time::Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

/// What a connection negotiated, said once it is open:
/// `Connected to ws://…/ with subprotocol chat, compressed with
/// permessage-deflate (…).`, or `Connected to ws://…/.` when nothing was.
pub fn connected_line(
    url: &str,
    subprotocol: Option<&str>,
    compression: Option<&impl std::fmt::Display>,
) -> Line {
    let mut line = Line::of(Role::Info, "Connected to ").push(Role::Url, url);
    if let Some(protocol) = subprotocol {
        line.add(Role::Info, " with subprotocol ");
        line.add(Role::Literal, protocol);
    }
    if let Some(compression) = compression {
        line.add(Role::Info, ", compressed with ");
        line.add(Role::Literal, compression.to_string());
    }
    line.push(Role::Info, ".")
}

/// A ping or unsolicited pong from the peer.
pub fn control_line(kind: &'static str, payload: &[u8], at: SystemTime) -> Line {
    let mut line = header(kind, &clock(at)).push(Role::Number, format_size(payload.len()));
    if !payload.is_empty() {
        line.add(Role::Plain, format!(" {}", printable(payload)));
    }
    line
}

/// Bytes as text when they are UTF-8 without control characters, else hex.
fn printable(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(char::is_control) => text.to_string(),
        _ => bytes.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// A hex dump: offset, sixteen bytes in two groups, and their ASCII.
pub fn hex_dump(bytes: &[u8]) -> Vec<Line> {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(row, chunk)| {
            let mut hex = String::with_capacity(50);
            for (i, byte) in chunk.iter().enumerate() {
                if i == 8 {
                    hex.push(' ');
                }
                hex.push_str(&format!("{byte:02x} "));
            }
            let ascii: String = chunk
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() || b == b' ' {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Line::new()
                .marked(Mark::More)
                .push(Role::Muted, format!("  {:08x}  ", row * 16))
                .push(Role::Number, format!("{hex:<49}"))
                .push(Role::Plain, format!(" |{ascii}|"))
        })
        .collect()
}

/// The notice for a connection that ended.
pub fn close_line(info: &CloseInfo) -> Line {
    let head = match info.by {
        Closer::Peer => "Connection closed by the server with code ",
        Closer::Us => "Connection closed with code ",
        Closer::Dropped => {
            let why = info.error.as_deref().unwrap_or("no close frame");
            return Line::of(Role::Error, format!("Connection lost: {why}"));
        }
    };
    let role = if info.is_normal() {
        Role::Info
    } else {
        Role::Warning
    };
    let mut line = Line::of(role, head)
        .push(Role::Number, info.code.to_string())
        .push(Role::Muted, format!(" ({})", info.code_meaning()));
    if !info.reason.is_empty() {
        line.add(Role::Plain, ": ");
        line.add(Role::Literal, info.reason.clone());
    }
    match (info.by, &info.error) {
        (Closer::Us, Some(why)) => line.push(Role::Warning, format!("; {why}")),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(format_size(11), "11 B");
        assert_eq!(format_size(1023), "1023 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(6_617_781), "6.3 MiB");
        assert_eq!(format_size(3 << 30), "3.0 GiB");
        assert_eq!(format_size(5 * 1024 * 1024 * 1024), "5.0 GiB");
    }

    #[test]
    fn hex_dump_rows() {
        let rows = hex_dump(b"hello world\x00\x01\x02\x03\xff!");
        assert_eq!(rows.len(), 2);
        let first = rows[0].plain();
        assert!(
            first.starts_with("  00000000  68 65 6c 6c 6f 20 77 6f  72 6c"),
            "{first}"
        );
        assert!(first.ends_with("|hello world.....|"), "{first}");
        assert!(rows[1].plain().contains("00000010  21"));
    }

    #[test]
    fn json_is_pretty_only_on_request() {
        let msg = Message::Text(r#"{"a":1}"#.into());
        let at = SystemTime::UNIX_EPOCH;
        assert_eq!(message_lines(&msg, at, false).len(), 1);
        let pretty = message_lines(&msg, at, true);
        assert_eq!(pretty.len(), 3);
        assert_eq!(pretty[1].plain(), r#"  "a": 1"#);
    }

    #[test]
    fn the_cached_clock_reads_as_clock() {
        let mut cached = Clock::default();
        let base = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        for millis in [0, 7, 250, 999, 1000, 1001, 61_042, 3_600_500] {
            let at = base + std::time::Duration::from_millis(millis);
            assert_eq!(cached.at(at), clock(at), "{millis}");
        }
    }

    #[test]
    fn the_fast_text_path_matches_the_lines() {
        let at = "12:00:01.250";
        for (text, json) in [
            ("hello", false),
            ("", false),
            ("tab\there", false),
            ("two\nlines", false),
            ("cr\r\nlf", false),
            ("\x1b]0;pwned\x07\x1b[2J", false),
            ("lone\rcr", false),
            (r#"{"a":[1,2]}"#, true),
            ("not json", true),
        ] {
            for colored in [false, true] {
                let mut fast = String::new();
                write_text(&mut fast, text, at, json, colored);
                let mut slow = String::new();
                let message = Message::Text(text.into());
                for line in message_lines_at(&message, at, json) {
                    paint(&line, colored, &mut slow);
                }
                assert_eq!(fast, slow, "{text:?}");
            }
        }
        let mut plain = String::new();
        write_text(&mut plain, "hi", at, false, false);
        assert_eq!(plain, "< text 12:00:01.250 hi\n");
        let mut hostile = String::new();
        write_text(&mut hostile, "\x1b[2J", at, false, false);
        assert_eq!(hostile, "< text 12:00:01.250 \u{241b}[2J\n");
    }

    #[test]
    fn close_notices_name_code_and_reason() {
        let info = CloseInfo {
            by: Closer::Peer,
            code: 1011,
            reason: "boom".into(),
            error: None,
        };
        assert_eq!(
            close_line(&info).plain(),
            "Connection closed by the server with code 1011 (internal error): boom"
        );
        let invalid = CloseInfo {
            code: 1005,
            error: Some("not a valid close code; answered with 1002".into()),
            ..info
        };
        assert_eq!(
            close_line(&invalid).plain(),
            "Connection closed by the server with code 1005 \
             (not a valid close code; answered with 1002): boom"
        );
    }
}
