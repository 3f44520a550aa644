//! The HTML transcript: a standalone page in the terminal's colours (dark
//! background, monospace), one `<div>` of coloured `<span>`s per row of the
//! shared layout. Written with quick-xml as the console prints, so wire text
//! is always escaped and the page on disk only lacks its closing tags until
//! the console finishes.

use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::{MONOSPACE, already_finished, rows};
use crate::console::{BACKGROUND, FOREGROUND, Line, Segment, Sink};

/// Writes rows as HTML.
pub(super) struct HtmlSink<W: Write + Send> {
    xml: Writer<W>,
    width: usize,
    finished: bool,
}

impl<W: Write + Send> HtmlSink<W> {
    /// A sink writing a page titled `title` to `out`, wrapping at `width`
    /// columns; the head of the page is written at once.
    pub(super) fn new(out: W, title: &str, width: usize) -> io::Result<Self> {
        let mut sink = Self {
            xml: Writer::new(out),
            width,
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
        xml.create_element("title")
            .write_text_content(BytesText::new(title))?;
        xml.create_element("style")
            .write_text_content(BytesText::new(&style()))?;
        xml.write_event(Event::End(BytesEnd::new("head")))?;
        xml.write_event(Event::Start(BytesStart::new("body")))?;
        xml.write_event(Event::Start(BytesStart::new("main")))?;
        self.newline()?;
        self.xml.get_mut().flush()
    }

    fn row(&mut self, row: &Line) -> io::Result<()> {
        self.xml.write_event(Event::Start(BytesStart::new("div")))?;
        for segment in &row.segments {
            self.span(segment)?;
        }
        self.xml.write_event(Event::End(BytesEnd::new("div")))?;
        self.newline()
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

    fn newline(&mut self) -> io::Result<()> {
        self.xml.get_mut().write_all(b"\n")
    }
}

/// The style sheet: the terminal's colours and font. Rows keep their spaces;
/// the newlines between rows are not shown.
fn style() -> String {
    format!(
        "body {{ margin: 0; padding: 16px; background: {BACKGROUND}; color: {FOREGROUND}; }} \
         main {{ font-family: {MONOSPACE}; font-size: 14px; line-height: 1.45; }} \
         main div {{ white-space: pre-wrap; overflow-wrap: anywhere; min-height: 1.45em; }}"
    )
}

impl<W: Write + Send> Sink for HtmlSink<W> {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        if self.finished {
            return Err(already_finished());
        }
        for row in rows(line, self.width) {
            self.row(&row)?;
        }
        self.xml.get_mut().flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        for name in ["main", "body", "html"] {
            self.xml.write_event(Event::End(BytesEnd::new(name)))?;
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
