//! Transcripts: console sinks that stream every line to a file as SVG (a
//! picture of a terminal window), HTML (a standalone page), an asciicast
//! recording (`.cast`) or plain text, or keep the newest lines in memory
//! ([`Recorder`]).
//!
//! This module picks the format from the file name and owns the layout the
//! formats share: control characters made visible, tabs expanded and, in
//! the pictures (SVG, HTML, asciicast), long lines wrapped at the
//! transcript width; plain text keeps each line whole, for grep. The writers only talk to the console (they are
//! [`Sink`]s) and to the file system; the asciicast reader also reads
//! recordings back for `ws replay`.

pub(crate) mod cast;
mod html;
mod memory;
mod svg;
mod text;

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

pub(crate) use crate::console::escape::visible;
use crate::console::{Line, Segment, Sink};
use crate::error::{Error, Result};
pub use memory::Recorder;

/// Columns between tab stops when a tab is expanded.
const TAB_STOP: usize = 8;

/// Fonts of the page and the picture, first match wins (no quotes, so the
/// list reads the same in an attribute and in a style sheet).
const MONOSPACE: &str =
    "ui-monospace, SFMono-Regular, Menlo, Consolas, DejaVu Sans Mono, monospace";

/// Opens a transcript at `path` whose rows wrap at `width` columns (at least
/// one; plain text never wraps). The format follows the extension: `.svg` is a picture of a terminal
/// window, `.html` or `.htm` a standalone page, `.cast` an asciicast v2
/// recording with the time of every line, anything else plain text.
/// The file's name is the title of the picture or page.
///
/// Attach the result with [`crate::Console::add_sink`]; the console calls
/// [`Sink::finish`] when it ends, which completes the file.
///
/// # Errors
///
/// [`Error::File`] when the file (or, for SVG, the spool file in its folder)
/// cannot be created.
///
/// # Example
///
/// ```
/// use ws::{Console, Role};
///
/// let path = std::env::temp_dir().join(format!("ws-doc-{}.html", std::process::id()));
/// let console = Console::silent();
/// console.add_sink(ws::transcript::open(&path, 80)?);
/// console.say(Role::Info, "connected");
/// console.finish();
/// assert!(std::fs::read_to_string(&path)?.contains("connected"));
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(path: &Path, width: usize) -> Result<Box<dyn Sink>> {
    let width = width.max(1);
    let title: String = path
        .file_name()
        .map(|name| name.to_string_lossy().chars().map(visible).collect())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let sink: Box<dyn Sink> = match extension.as_deref() {
        Some("svg") => Box::new(svg::SvgSink::create(path, &title, width)?),
        Some("html" | "htm") => Box::new(
            html::HtmlSink::new(create(path)?, &title, width)
                .map_err(|e| Error::file("write", path, e))?,
        ),
        Some("cast") => Box::new(
            cast::CastSink::new(create(path)?, &title, width)
                .map_err(|e| Error::file("write", path, e))?,
        ),
        _ => Box::new(text::TextSink::new(create(path)?)),
    };
    Ok(sink)
}

/// Creates (or truncates) a file for writing, buffered.
fn create(path: &Path) -> Result<BufWriter<File>> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| Error::file("create", path, e))
}

/// The error a sink returns when it gets a line after it was completed.
fn already_finished() -> io::Error {
    io::Error::other("the transcript is already complete")
}

/// Lays out one console line as rows of at most `width` characters: control
/// characters become visible symbols, tabs become spaces up to the next tab
/// stop, and the text wraps. An empty line is one empty row.
fn rows(line: &Line, width: usize) -> Vec<Line> {
    let mut rows = Vec::new();
    let mut row = Line::new();
    let mut column = 0;
    for segment in &line.segments {
        for c in segment.text.chars() {
            let (shown, count) = match c {
                '\t' => (' ', TAB_STOP - column % TAB_STOP),
                c => (visible(c), 1),
            };
            for _ in 0..count {
                if column == width {
                    rows.push(std::mem::replace(&mut row, Line::new()));
                    column = 0;
                }
                push_char(&mut row, segment, shown);
                column += 1;
            }
        }
    }
    rows.push(row);
    rows
}

/// Appends `c` to the row, extending its last segment when the role matches.
fn push_char(row: &mut Line, from: &Segment, c: char) {
    match row.segments.last_mut() {
        Some(last) if last.role == from.role => last.text.push(c),
        _ => row.segments.push(Segment {
            role: from.role,
            text: c.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Role;

    #[test]
    fn long_lines_wrap_at_the_width_keeping_roles() {
        let line = Line::of(Role::Info, "abcd").push(Role::Error, "efghij");
        let rows = rows(&line, 4);
        let plain: Vec<_> = rows.iter().map(Line::plain).collect();
        assert_eq!(plain, ["abcd", "efgh", "ij"]);
        assert_eq!(rows[1].segments[0].role, Role::Error);
    }

    #[test]
    fn an_empty_line_is_one_empty_row() {
        assert_eq!(rows(&Line::new(), 10), [Line::new()]);
    }

    #[test]
    fn controls_become_visible_and_tabs_expand() {
        let rows = rows(&Line::of(Role::Plain, "a\tb\x1b[0m\u{85}"), 80);
        assert_eq!(rows[0].plain(), "a       b\u{241b}[0m\u{fffd}");
    }

    #[test]
    fn the_extension_picks_the_format() {
        let dir = tempfile::tempdir().unwrap();
        for (name, starts) in [
            ("a.SVG", "<?xml"),
            ("a.htm", "<!DOCTYPE"),
            ("a.cast", "{"),
            ("a.log", "hi"),
        ] {
            let path = dir.path().join(name);
            let mut sink = open(&path, 80).unwrap();
            sink.line(&Line::of(Role::Plain, "hi")).unwrap();
            sink.finish().unwrap();
            let written = std::fs::read_to_string(&path).unwrap();
            assert!(written.starts_with(starts), "{name}: {written}");
        }
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["t.svg", "t.html", "t.txt"] {
            let path = dir.path().join("missing").join(name);
            let error = open(&path, 80).err().expect("an error");
            assert!(matches!(
                error,
                Error::File {
                    action: "create",
                    ..
                }
            ));
            let message = error.to_string();
            assert!(message.starts_with("cannot create "), "{message}");
            assert!(
                message.ends_with(": no such file or directory"),
                "{message}"
            );
        }
    }
}
