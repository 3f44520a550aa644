//! The SVG transcript: a picture of a terminal window (rounded frame, title
//! bar with three dots and the file name), one `<text>` per row of the shared
//! layout with a coloured `<tspan>` per segment. Spaces are written as
//! non-breaking spaces, the one form every renderer keeps (indented JSON
//! and hex dumps keep their columns).
//!
//! The picture's height depends on the number of rows, so rows are streamed
//! to a spool file as the console prints them; [`Sink::finish`] writes the
//! frame, copies the spool and closes the picture. The spool is an unnamed
//! temporary file in the target's folder (`tempfile`): it cannot be a
//! symlink planted in advance, and the system removes it however the
//! process ends. Memory holds one line at a time.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::{MONOSPACE, already_finished, create, rows};
use crate::console::{BACKGROUND, FOREGROUND, Line, Role, Segment, Sink};
use crate::error::{Error, Result};

const FONT_SIZE: usize = 14;
/// Advance of one monospace character at [`FONT_SIZE`] (0.6 em).
const CHAR_WIDTH: f64 = 8.4;
const LINE_HEIGHT: usize = 20;
const PADDING: usize = 16;
const TITLE_BAR: usize = 36;
/// The frame is never narrower than this many columns, so the title fits.
const MIN_COLUMNS: usize = 24;
const BAR_FILL: &str = "#181825";
const BORDER: &str = "#313244";
const DOTS: [&str; 3] = ["#f38ba8", "#f9e2af", "#a6e3a1"];

/// Writes rows to a spool and assembles the picture at the end.
pub(super) struct SvgSink {
    title: String,
    width: usize,
    rows: usize,
    target: Option<BufWriter<File>>,
    spool: Option<Writer<BufWriter<File>>>,
}

impl SvgSink {
    /// Creates the target file and its spool beside it.
    pub(super) fn create(path: &Path, title: &str, width: usize) -> Result<Self> {
        let target = create(path)?;
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        let spool = tempfile::tempfile_in(folder).map_err(|e| {
            let _ = fs::remove_file(path);
            Error::file("create a temporary file in", folder, e)
        })?;
        Ok(Self {
            title: title.to_string(),
            width,
            rows: 0,
            target: Some(target),
            spool: Some(Writer::new(BufWriter::new(spool))),
        })
    }

    /// Writes the frame, the spooled rows and the closing tags to the target.
    fn assemble(&self, spool: Writer<BufWriter<File>>, target: BufWriter<File>) -> io::Result<()> {
        let mut spool = spool
            .into_inner()
            .into_inner()
            .map_err(|e| e.into_error())?;
        spool.seek(SeekFrom::Start(0))?;
        let mut xml = Writer::new(target);
        let frame = Frame::new(self.width, self.rows);
        frame.head(&mut xml, &self.title)?;
        io::copy(&mut spool, xml.get_mut())?;
        xml.write_event(Event::End(BytesEnd::new("g")))?;
        xml.write_event(Event::End(BytesEnd::new("svg")))?;
        let mut target = xml.into_inner();
        target.write_all(b"\n")?;
        target.flush()
    }
}

impl Sink for SvgSink {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        let spool = self.spool.as_mut().ok_or_else(already_finished)?;
        for row in rows(line, self.width) {
            write_row(spool, &row, baseline(self.rows))?;
            self.rows += 1;
        }
        spool.get_mut().flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        let (Some(spool), Some(target)) = (self.spool.take(), self.target.take()) else {
            return Ok(());
        };
        self.assemble(spool, target)
    }
}

impl Drop for SvgSink {
    /// Completes the picture if the console never did (best effort).
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// One row: a `<text>` at its baseline with a `<tspan>` per segment.
fn write_row<W: Write>(xml: &mut Writer<W>, row: &Line, y: usize) -> io::Result<()> {
    let (x, y) = (PADDING.to_string(), y.to_string());
    let text = BytesStart::new("text").with_attributes([("x", x.as_str()), ("y", y.as_str())]);
    if row.segments.is_empty() {
        xml.write_event(Event::Empty(text))?;
    } else {
        xml.write_event(Event::Start(text))?;
        for segment in &row.segments {
            write_span(xml, segment)?;
        }
        xml.write_event(Event::End(BytesEnd::new("text")))?;
    }
    xml.get_mut().write_all(b"\n")
}

fn write_span<W: Write>(xml: &mut Writer<W>, segment: &Segment) -> io::Result<()> {
    let mut span = xml
        .create_element("tspan")
        .with_attribute(("fill", segment.role.rgb()));
    if segment.role.bold() {
        span = span.with_attribute(("font-weight", "bold"));
    }
    // Browsers (Chromium, so GitHub's README view) collapse runs of
    // ordinary spaces in SVG text whatever `xml:space` and `white-space`
    // say; non-breaking spaces keep every column where it was.
    let text = segment.text.replace(' ', "\u{a0}");
    span.write_text_content(BytesText::new(&text))?;
    Ok(())
}

/// The baseline of row `index`.
fn baseline(index: usize) -> usize {
    TITLE_BAR + PADDING / 2 + index * LINE_HEIGHT + FONT_SIZE
}

/// The window around the rows, sized for them.
struct Frame {
    width: usize,
    height: usize,
}

impl Frame {
    fn new(columns: usize, rows: usize) -> Self {
        let text_width = (columns.max(MIN_COLUMNS) as f64 * CHAR_WIDTH).ceil() as usize;
        Self {
            width: 2 * PADDING + text_width,
            height: TITLE_BAR + PADDING / 2 + rows.max(1) * LINE_HEIGHT + PADDING,
        }
    }

    /// Everything before the rows: the root, the window and the opening of
    /// the group that holds the rows.
    fn head<W: Write>(&self, xml: &mut Writer<W>, title: &str) -> io::Result<()> {
        let (w, h) = (self.width.to_string(), self.height.to_string());
        let view_box = format!("0 0 {w} {h}");
        xml.get_mut()
            .write_all(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")?;
        let root = BytesStart::new("svg").with_attributes([
            ("xmlns", "http://www.w3.org/2000/svg"),
            ("width", w.as_str()),
            ("height", h.as_str()),
            ("viewBox", view_box.as_str()),
        ]);
        xml.write_event(Event::Start(root))?;
        xml.create_element("title")
            .write_text_content(BytesText::new(title))?;
        self.window(xml)?;
        self.title_bar(xml, title)?;
        let font_size = FONT_SIZE.to_string();
        let rows = BytesStart::new("g").with_attributes([
            ("font-family", MONOSPACE),
            ("font-size", font_size.as_str()),
            ("fill", FOREGROUND),
            ("xml:space", "preserve"),
            ("style", "white-space: pre"),
        ]);
        xml.write_event(Event::Start(rows))?;
        xml.get_mut().write_all(b"\n")
    }

    /// The rounded frame on the terminal's background.
    fn window<W: Write>(&self, xml: &mut Writer<W>) -> io::Result<()> {
        let (w, h) = (self.width as f64 - 1.0, self.height as f64 - 1.0);
        xml.create_element("rect")
            .with_attributes([
                ("x", "0.5"),
                ("y", "0.5"),
                ("width", w.to_string().as_str()),
                ("height", h.to_string().as_str()),
                ("rx", "8"),
                ("fill", BACKGROUND),
                ("stroke", BORDER),
            ])
            .write_empty()?;
        Ok(())
    }

    /// The bar across the top: rounded above, three dots and the title.
    fn title_bar<W: Write>(&self, xml: &mut Writer<W>, title: &str) -> io::Result<()> {
        let right = self.width as f64 - 0.5;
        let bar = format!(
            "M0.5 {TITLE_BAR}V8.5A8 8 0 0 1 8.5 0.5H{}A8 8 0 0 1 {right} 8.5V{TITLE_BAR}Z",
            right - 8.0
        );
        let path = [("d", bar.as_str()), ("fill", BAR_FILL), ("stroke", BORDER)];
        xml.create_element("path")
            .with_attributes(path)
            .write_empty()?;
        let middle = (TITLE_BAR / 2).to_string();
        for (i, colour) in DOTS.iter().enumerate() {
            let cx = (PADDING + 6 + i * 20).to_string();
            let dot = [
                ("cx", cx.as_str()),
                ("cy", middle.as_str()),
                ("r", "6"),
                ("fill", colour),
            ];
            xml.create_element("circle")
                .with_attributes(dot)
                .write_empty()?;
        }
        let (x, y) = (
            (self.width / 2).to_string(),
            (TITLE_BAR / 2 + 5).to_string(),
        );
        xml.create_element("text")
            .with_attributes([
                ("x", x.as_str()),
                ("y", y.as_str()),
                ("text-anchor", "middle"),
                ("font-family", MONOSPACE),
                ("font-size", "13"),
                ("fill", Role::Muted.rgb()),
            ])
            .write_text_content(BytesText::new(title))?;
        Ok(())
    }
}
