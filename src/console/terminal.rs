//! The terminal sink: renders lines with owo-colors (honouring `NO_COLOR` and
//! non-terminals) and hands them to the display thread
//! ([`super::display`]), which writes standard output and error, or prints
//! above an open prompt.

use std::io::{self, IsTerminal};

use super::display::Piece;
use super::{Line, Mark, Stream};

pub(super) struct Terminal {
    /// It shows nothing ([`Terminal::silent`]).
    pub(super) silent: bool,
    colored: bool,
}

impl Terminal {
    pub(super) fn stdio() -> Self {
        let colored = super::render::colour_wanted(io::stdout().is_terminal());
        Self {
            silent: false,
            colored,
        }
    }

    pub(super) fn silent() -> Self {
        Self {
            silent: true,
            colored: false,
        }
    }

    /// The lines as they are shown, ready for the display thread; `None`
    /// when nothing is shown.
    pub(super) fn paint(&self, stream: Stream, lines: &[Line]) -> Option<Piece> {
        if self.silent || stream == Stream::SinksOnly || lines.is_empty() {
            return None;
        }
        let mut text = String::new();
        for line in lines {
            super::render::paint(line, self.colored, &mut text);
        }
        // Traffic may be left out in a flood; the console's own lines (a
        // result, an error, a notice) never are.
        let traffic = lines
            .iter()
            .all(|line| matches!(line.mark, Mark::Received(_) | Mark::Sent | Mark::More));
        Some(Piece {
            stream,
            text,
            traffic,
        })
    }
}
