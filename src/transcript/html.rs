//! The HTML transcript: a standalone page in the terminal's colours (dark
//! background, monospace), one `<div>` of coloured `<span>`s per row of the
//! shared layout. Written with quick-xml as the console prints, so wire text
//! is always escaped and the page on disk only lacks its closing tags until
//! the console finishes.
//!
//! The page is made to be used: each message is a `<section>` with its
//! direction and kind, JSON is pretty-printed in a `<details>` that opens
//! and closes without any script, the foot counts the messages, and a small
//! script (added when the console finishes, allowed by its hash in the
//! page's Content-Security-Policy and by nothing else) shows a filter by
//! text, direction and kind. Nothing is fetched from the network.

use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::{MONOSPACE, already_finished, rows};
use crate::console::{BACKGROUND, FOREGROUND, Line, Mark, Role, Segment, Sink};

/// The filter script, written at the end of the page.
const SCRIPT: &str = include_str!("page.js");

/// The only script the page may run: [`SCRIPT`], by its SHA-256.
const SCRIPT_HASH: &str = "sha256-4zxfftFHk1OCy866lPKtJNyckiFPBG4jDS3UkBMyJd8=";

/// The filter form, hidden until the script shows it.
const FORM: &str = r#"<form id="filter" hidden="hidden"><input id="text" type="search" placeholder="Filter by text" aria-label="Filter by text"/><select id="direction" aria-label="Direction"><option value="">all directions</option><option value="received">received</option><option value="sent">sent</option><option value="console">console</option></select><select id="kind" aria-label="Kind"><option value="">all kinds</option><option value="text">text</option><option value="binary">binary</option><option value="ping">ping</option><option value="pong">pong</option><option value="message">sent message</option><option value="typed">typed line</option><option value="note">console note</option></select><output id="shown"></output></form>"#;

/// What the rows being written belong to.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    /// Nothing: rows go straight into `<main>`.
    Nothing,
    /// A message's `<section>`.
    Section,
    /// A `<details>` of pretty JSON inside a message's `<section>`.
    Details,
}

/// Writes rows as HTML.
pub(super) struct HtmlSink<W: Write + Send> {
    xml: Writer<W>,
    width: usize,
    open: Open,
    received: u64,
    sent: u64,
    finished: bool,
}

impl<W: Write + Send> HtmlSink<W> {
    /// A sink writing a page titled `title` to `out`, wrapping at `width`
    /// columns; the head of the page is written at once.
    pub(super) fn new(out: W, title: &str, width: usize) -> io::Result<Self> {
        let mut sink = Self {
            xml: Writer::new(out),
            width,
            open: Open::Nothing,
            received: 0,
            sent: 0,
            finished: false,
        };
        sink.head(title)?;
        Ok(sink)
    }

    fn head(&mut self, title: &str) -> io::Result<()> {
        let xml = &mut self.xml;
        xml.write_event(Event::DocType(BytesText::from_escaped("html")))?;
        xml.write_event(Event::Start(
            BytesStart::new("html").with_attributes([("lang", "en")]),
        ))?;
        xml.write_event(Event::Start(BytesStart::new("head")))?;
        let charset = BytesStart::new("meta").with_attributes([("charset", "utf-8")]);
        xml.write_event(Event::Empty(charset))?;
        let policy = format!(
            "default-src 'none'; style-src 'unsafe-inline'; script-src '{SCRIPT_HASH}'; \
             form-action 'none'; base-uri 'none'"
        );
        let csp = BytesStart::new("meta").with_attributes([
            ("http-equiv", "Content-Security-Policy"),
            ("content", policy.as_str()),
        ]);
        xml.write_event(Event::Empty(csp))?;
        xml.create_element("title")
            .write_text_content(BytesText::new(title))?;
        xml.create_element("style")
            .write_text_content(BytesText::from_escaped(style()))?;
        xml.write_event(Event::End(BytesEnd::new("head")))?;
        xml.write_event(Event::Start(BytesStart::new("body")))?;
        xml.write_event(Event::Start(BytesStart::new("header")))?;
        xml.create_element("h1")
            .write_text_content(BytesText::new(title))?;
        xml.get_mut().write_all(FORM.as_bytes())?;
        xml.write_event(Event::End(BytesEnd::new("header")))?;
        xml.write_event(Event::Start(BytesStart::new("main")))?;
        self.newline()?;
        self.xml.get_mut().flush()
    }

    /// Starts the entry `line` opens, ending the one before unless the line
    /// continues it; then writes its rows.
    fn entry(&mut self, line: &Line) -> io::Result<()> {
        if line.mark != Mark::More {
            self.close_entry()?;
        }
        match line.mark {
            Mark::Received(kind) => {
                self.received += 1;
                self.section("received", kind)?;
                self.message(line)
            }
            Mark::Sent => {
                self.sent += 1;
                self.section("sent", "message")?;
                self.rows(line, None)
            }
            Mark::Typed => self.rows(line, Some("typed")),
            _ => self.rows(line, None),
        }
    }

    /// The first line of a received message; JSON gets a `<details>`: open
    /// when the console already pretty-printed it (its rows follow), else
    /// closed over a pretty copy.
    fn message(&mut self, line: &Line) -> io::Result<()> {
        let body = line.segments.last();
        let pretty_follows =
            body.is_some_and(|s| s.role == Role::Literal && matches!(s.text.as_str(), "{" | "["));
        if pretty_follows {
            self.details(true, line)?;
            self.open = Open::Details;
            return Ok(());
        }
        match body.and_then(pretty_json) {
            Some(pretty) => {
                self.details(false, line)?;
                for part in Line::split(Role::Literal, &pretty) {
                    self.rows(&part, None)?;
                }
                self.end("details")
            }
            None => self.rows(line, None),
        }
    }

    /// Opens a `<details>` whose summary is the rows of `line`.
    fn details(&mut self, open: bool, line: &Line) -> io::Result<()> {
        let mut details = BytesStart::new("details").with_attributes([("class", "json")]);
        if open {
            details.push_attribute(("open", "open"));
        }
        self.xml.write_event(Event::Start(details))?;
        self.xml
            .write_event(Event::Start(BytesStart::new("summary")))?;
        self.rows(line, None)?;
        self.end("summary")
    }

    fn section(&mut self, direction: &str, kind: &str) -> io::Result<()> {
        let section = BytesStart::new("section")
            .with_attributes([("data-dir", direction), ("data-kind", kind)]);
        self.xml.write_event(Event::Start(section))?;
        self.open = Open::Section;
        Ok(())
    }

    fn close_entry(&mut self) -> io::Result<()> {
        if self.open == Open::Details {
            self.end("details")?;
        }
        if self.open != Open::Nothing {
            self.end("section")?;
            self.newline()?;
        }
        self.open = Open::Nothing;
        Ok(())
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.xml.write_event(Event::End(BytesEnd::new(name)))?;
        Ok(())
    }

    /// The rows of `line`, each a `<div>` (with `data-kind` when given).
    fn rows(&mut self, line: &Line, kind: Option<&str>) -> io::Result<()> {
        for row in rows(line, self.width) {
            let mut div = BytesStart::new("div");
            if let Some(kind) = kind {
                div.push_attribute(("data-kind", kind));
            }
            self.xml.write_event(Event::Start(div))?;
            for segment in &row.segments {
                self.span(segment)?;
            }
            self.end("div")?;
            if self.open == Open::Nothing {
                self.newline()?;
            }
        }
        Ok(())
    }

    fn span(&mut self, segment: &Segment) -> io::Result<()> {
        let mut style = format!("color:{}", segment.role.rgb());
        if segment.role.bold() {
            style.push_str(";font-weight:bold");
        }
        self.xml
            .create_element("span")
            .with_attribute(("style", style.as_str()))
            .write_text_content(BytesText::new(&segment.text))?;
        Ok(())
    }

    /// The count of messages and the filter script, after the last row.
    fn foot(&mut self) -> io::Result<()> {
        let (received, sent) = (self.received, self.sent);
        let plural = if received + sent == 1 { "" } else { "s" };
        let count = format!(
            "{} message{plural}: {received} received, {sent} sent",
            received + sent
        );
        self.xml
            .write_event(Event::Start(BytesStart::new("footer")))?;
        self.xml
            .create_element("p")
            .with_attribute(("id", "count"))
            .write_text_content(BytesText::new(&count))?;
        self.end("footer")?;
        self.newline()?;
        self.xml
            .create_element("script")
            .write_text_content(BytesText::from_escaped(SCRIPT))?;
        self.newline()
    }

    fn newline(&mut self) -> io::Result<()> {
        self.xml.get_mut().write_all(b"\n")
    }
}

/// The text of a one-line message body pretty-printed, when it is a JSON
/// object or array with something in it.
fn pretty_json(body: &Segment) -> Option<String> {
    let text = body.text.trim_start();
    if body.role != Role::Plain || !text.starts_with(['{', '[']) {
        return None;
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let filled = match &value {
        serde_json::Value::Object(map) => !map.is_empty(),
        serde_json::Value::Array(items) => !items.is_empty(),
        _ => false,
    };
    filled.then(|| serde_json::to_string_pretty(&value).ok())?
}

/// The style sheet: the terminal's colours and font. Rows keep their spaces;
/// the newlines between rows are not shown. Written as it is (no `<` or
/// `&` in it), since a style element's text is not unescaped.
fn style() -> &'static str {
    static STYLE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STYLE.get_or_init(|| {
        let muted = Role::Muted.rgb();
        let received = Role::Incoming.rgb();
        let sent = Role::Outgoing.rgb();
        format!(
            "body {{ margin: 0; background: {BACKGROUND}; color: {FOREGROUND}; \
             font-family: {MONOSPACE}; font-size: 14px; line-height: 1.45; }} \
             header {{ position: sticky; top: 0; padding: 12px 16px; background: {BACKGROUND}; \
             border-bottom: 1px solid {muted}; }} \
             h1 {{ margin: 0; font-size: 15px; font-weight: bold; }} \
             form {{ display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; align-items: center; }} \
             input, select {{ font: inherit; color: {FOREGROUND}; background: #313244; \
             border: 1px solid {muted}; border-radius: 4px; padding: 2px 6px; }} \
             input {{ min-width: 18em; }} output {{ color: {muted}; }} \
             main {{ padding: 8px 16px; }} \
             main div {{ white-space: pre-wrap; overflow-wrap: anywhere; min-height: 1.45em; }} \
             section {{ border-left: 2px solid {received}; margin-left: -8px; padding-left: 6px; }} \
             section[data-dir=sent] {{ border-left-color: {sent}; }} \
             summary {{ display: block; cursor: pointer; }} \
             summary::-webkit-details-marker {{ display: none; }} \
             summary div:last-child::after {{ content: '  \\25B8 JSON'; color: {muted}; }} \
             details[open] summary div:last-child::after {{ content: '  \\25BE'; }} \
             footer {{ padding: 8px 16px 16px; color: {muted}; }} \
             footer p {{ margin: 0; }} \
             [hidden] {{ display: none !important; }}"
        )
    })
}

impl<W: Write + Send> Sink for HtmlSink<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if self.finished {
            return Err(already_finished());
        }
        self.entry(line)?;
        self.xml.get_mut().flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.close_entry()?;
        self.end("main")?;
        self.newline()?;
        self.foot()?;
        for name in ["body", "html"] {
            self.end(name)?;
        }
        self.newline()?;
        self.xml.get_mut().flush()
    }
}

impl<W: Write + Send> Drop for HtmlSink<W> {
    /// Completes the page if the console never did (best effort).
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::Message;
    use crate::console::render::message_lines_at;

    fn page(lines: &[Line]) -> String {
        let mut sink = HtmlSink::new(Vec::new(), "t.html", 80).unwrap();
        for line in lines {
            sink.line(line).unwrap();
        }
        sink.finish().unwrap();
        String::from_utf8(std::mem::take(sink.xml.get_mut())).unwrap()
    }

    #[test]
    fn the_script_is_the_one_the_policy_allows() {
        use base64::Engine;
        let digest = ring::digest::digest(&ring::digest::SHA256, SCRIPT.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
        assert_eq!(SCRIPT_HASH, format!("sha256-{hash}"));
        assert!(!SCRIPT.contains(['<', '&']) && !style().contains(['<', '&']));
    }

    #[test]
    fn messages_are_sections_and_json_is_collapsible() {
        let text = Message::Text(r#"{"id":1,"tags":["a"]}"#.into());
        let mut lines = vec![Line::of(Role::Info, "hello")];
        lines.extend(message_lines_at(&text, "12:00:00.000", false));
        lines.extend(message_lines_at(&text, "12:00:01.000", true));
        lines.push(crate::console::render::sent_line(3, None));
        let html = page(&lines);
        let main = &html[html.find("<main>").unwrap()..html.find("</main>").unwrap()];
        assert_eq!(
            main.matches("<section data-dir=\"received\" data-kind=\"text\">")
                .count(),
            2
        );
        assert_eq!(
            main.matches("<section data-dir=\"sent\" data-kind=\"message\">")
                .count(),
            1
        );
        assert_eq!(main.matches("<details class=\"json\">").count(), 1);
        assert_eq!(
            main.matches("<details class=\"json\" open=\"open\">")
                .count(),
            1
        );
        assert_eq!(main.matches("&quot;tags&quot;: [").count(), 2);
        assert!(html.contains("<p id=\"count\">3 messages: 2 received, 1 sent</p>"));
        assert!(html.trim_end().ends_with("</script>\n</body></html>"));
    }
}
