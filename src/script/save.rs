//! `save FILE.rhai`: the session so far as a script `ws run` can replay.
//!
//! [`Record`] keeps, in order, the lines typed in the session that sent,
//! received or defined something (plain commands already rewritten as the
//! Rhai calls they stand for) and the text messages the server sent.
//! [`Record::script`] turns it into a script: a header saying how to run it,
//! each kept line whole (multi-line blocks too), and after each line an
//! `expect("…")` for every message that came before the next one and that
//! the line did not take itself with `recv` or `expect`.

use std::fmt::Write;

/// Characters of a received message an `expect` checks.
const EXPECT_CHARS: usize = 40;

/// Entries kept at most; past it the oldest go (a session of a million
/// messages must not grow without bound).
const MAX_ENTRIES: usize = 100_000;

/// One thing that happened in the session.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    /// Rhai code as it will be saved, and how many received messages it
    /// took itself (with `recv` or `expect`).
    Code { text: String, took: usize },
    /// A message from the server: the start of a text, `None` for binary.
    Received(Option<String>),
}

/// What a session did, for [`Record::script`].
#[derive(Debug, Default)]
pub(crate) struct Record {
    entries: std::collections::VecDeque<Entry>,
    /// Where the line being run started: its code goes before the messages
    /// that arrived while it ran.
    line_start: Option<usize>,
}

impl Record {
    /// A message from the server arrived.
    pub(crate) fn received(&mut self, text: Option<&str>) {
        let start = text.map(|t| t.chars().take(EXPECT_CHARS).collect());
        self.push(Entry::Received(start));
    }

    /// A typed line starts running.
    pub(crate) fn line_started(&mut self) {
        self.line_start = Some(self.entries.len());
    }

    /// The line that started last ended; `code` is what to save for it
    /// (`None` when it sent, received and defined nothing, or failed), and
    /// `took` how many messages it took with `recv` or `expect`.
    pub(crate) fn line_ended(&mut self, code: Option<String>, took: usize) {
        let start = self.line_start.take().unwrap_or(self.entries.len());
        if let Some(text) = code {
            let at = start.min(self.entries.len());
            self.entries.insert(at, Entry::Code { text, took });
            self.trim();
        }
    }

    /// The line that started last failed: it is left out, and so is what
    /// arrived while it ran (most likely its answers).
    pub(crate) fn line_failed(&mut self) {
        if let Some(start) = self.line_start.take() {
            self.entries.truncate(start);
        }
    }

    fn push(&mut self, entry: Entry) {
        self.entries.push_back(entry);
        self.trim();
    }

    fn trim(&mut self) {
        while self.entries.len() > MAX_ENTRIES {
            self.entries.pop_front();
            self.line_start = self.line_start.map(|s| s.saturating_sub(1));
        }
    }

    /// The script: a header, then each kept line and the `expect`s of what
    /// the server sent after it.
    pub(crate) fn script(&self, file: &str, url: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "// Saved from a ws session on {url}");
        let _ = writeln!(out, "// Run it with: ws run {file} {url}");
        let _ = writeln!(
            out,
            "// Each expect checks the start of a message the session received."
        );
        out.push('\n');
        let mut taken = 0;
        for entry in &self.entries {
            match entry {
                Entry::Code { text, took } => {
                    out.push_str(text.trim_end());
                    if !text.trim_end().ends_with([';', '}']) {
                        out.push(';');
                    }
                    out.push('\n');
                    taken = *took;
                }
                Entry::Received(_) if taken > 0 => taken -= 1,
                Entry::Received(Some(start)) => {
                    let _ = writeln!(out, "expect({});", literal(start));
                }
                Entry::Received(None) => out.push_str("recv(); // a binary message\n"),
            }
        }
        out
    }
}

/// A plain command as the Rhai call it stands for: `text hello world` is
/// `text("hello world");`, `close 1003 'bye'` is `close(1003, "bye");`,
/// `byte hex:de ad` is `byte(from_hex("de ad"));`.
pub(crate) fn plain_call(name: &str, args: &[String]) -> String {
    let arguments: Vec<String> = match (name, args) {
        ("text", [message]) => vec![match message.strip_prefix("file@") {
            Some(path) if !path.is_empty() => format!("read_file({})", literal(path)),
            _ => literal(message),
        }],
        ("byte", [message]) => vec![byte_argument(message)],
        ("emit" | "rpc", [line]) => {
            let line = line.trim();
            let (first, rest) = line.split_once(' ').unwrap_or((line, ""));
            let rest = rest.trim();
            let mut arguments = vec![literal(first)];
            if serde_json::from_str::<serde_json::Value>(rest).is_ok() {
                arguments.push(format!("parse_json({})", literal(rest)));
            } else if !rest.is_empty() {
                arguments.push(literal(rest));
            }
            arguments
        }
        ("close", [code, rest @ ..]) => {
            let code = match code.parse::<i64>() {
                Ok(number) => number.to_string(),
                Err(_) => literal(code),
            };
            std::iter::once(code)
                .chain(rest.iter().map(|a| literal(a)))
                .collect()
        }
        (_, args) => args.iter().map(|a| literal(a)).collect(),
    };
    format!("{name}({});", arguments.join(", "))
}

/// The Rhai argument of a typed `byte`: decoded forms stay decoded.
fn byte_argument(message: &str) -> String {
    if let Some(hex) = message.strip_prefix("hex:") {
        format!("from_hex({})", literal(hex))
    } else if let Some(base64) = message.strip_prefix("base64:") {
        format!("from_base64({})", literal(base64))
    } else if let Some(path) = message.strip_prefix("file@").filter(|p| !p.is_empty()) {
        format!("read_blob({})", literal(path))
    } else {
        literal(message)
    }
}

/// `text` as a Rhai string literal: quotes and backslashes escaped, control
/// characters as `\x..` or `\u....` escapes.
pub(crate) fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn plain_commands_become_calls() {
        let cases = [
            ("text", &["hello world"][..], r#"text("hello world");"#),
            ("text", &[r#"{"id": 1}"#], r#"text("{\"id\": 1}");"#),
            (
                "text",
                &["file@req.json"],
                r#"text(read_file("req.json"));"#,
            ),
            ("byte", &["hex:de ad"], r#"byte(from_hex("de ad"));"#),
            ("byte", &["base64:3q0="], r#"byte(from_base64("3q0="));"#),
            ("byte", &["file@a.png"], r#"byte(read_blob("a.png"));"#),
            ("byte", &["raw"], r#"byte("raw");"#),
            ("close", &["1003", "bye now"], r#"close(1003, "bye now");"#),
            ("close", &[], "close();"),
            ("ping", &[], "ping();"),
            ("pong", &["alive"], r#"pong("alive");"#),
        ];
        for (name, args, call) in cases {
            assert_eq!(plain_call(name, &strings(args)), call, "{name} {args:?}");
        }
    }

    #[test]
    fn literals_escape_what_rhai_would_read_otherwise() {
        assert_eq!(literal("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(literal("\n\t\x1b\u{85}é"), r#""\n\t\x1b\u0085é""#);
    }

    #[test]
    fn expects_follow_the_line_before_them_less_what_it_took() {
        let mut record = Record::default();
        record.received(Some("welcome"));
        record.line_started();
        record.line_ended(Some(r#"text("hi");"#.into()), 0);
        record.received(Some("hi"));
        record.line_started();
        record.received(Some("taken by recv"));
        record.received(Some(&format!("{}tail", "x".repeat(40))));
        record.line_ended(Some("let reply = recv()".into()), 1);
        record.line_started();
        record.line_ended(None, 0);
        record.received(None);
        record.line_started();
        record.line_ended(Some("fn twice(x) {\n    x * 2\n}".into()), 0);
        let script = record.script("s.rhai", "ws://127.0.0.1:1/");
        let body: Vec<&str> = script.lines().skip_while(|l| !l.is_empty()).collect();
        let expected = [
            "",
            r#"expect("welcome");"#,
            r#"text("hi");"#,
            r#"expect("hi");"#,
            "let reply = recv();",
            &format!("expect(\"{}\");", "x".repeat(40)),
            "recv(); // a binary message",
            "fn twice(x) {",
            "    x * 2",
            "}",
        ];
        assert_eq!(body, expected, "{script}");
        assert!(script.starts_with("// Saved from a ws session on ws://127.0.0.1:1/\n"));
        assert!(script.contains("// Run it with: ws run s.rhai ws://127.0.0.1:1/\n"));
    }
}
