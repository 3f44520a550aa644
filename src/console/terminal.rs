//! The terminal sink: renders lines with owo-colors (honouring `NO_COLOR` and
//! non-terminals) and writes them to standard output or error. While a prompt
//! is open, output goes through rustyline's external printer so the line
//! being edited stays intact; a [`Spool`] sits in front of it, because the
//! printer may block (a terminal paused with Ctrl+S), and reads and pongs
//! must not wait for it. It holds at most [`QUEUE_BYTES`]; messages that
//! find it full are dropped and counted, and the count is shown after the
//! lines the terminal has taken. The console's own lines (what a line
//! printed, its result or error, notices) may take a reserve beyond that,
//! so a flood of messages does not hide how the line ended.

use std::io::{self, IsTerminal, Write};
use std::time::Duration;

use super::spool::{Drain, Spool, Written};
use super::{Line, Mark, Role, Stream};

/// How many bytes of output may wait for a prompt printer that does not
/// take them: screens of it, so only a flood loses lines (transcripts get
/// them all).
const QUEUE_BYTES: usize = 256 * 1024;

/// rustyline's printer for output above an open prompt.
pub(crate) type PromptPrinter = Box<dyn rustyline::ExternalPrinter + Send>;

pub(super) struct Terminal {
    silent: bool,
    colored: bool,
    forwarder: Option<Spool>,
}

impl Terminal {
    pub(super) fn stdio() -> Self {
        let colored = super::render::colour_wanted(io::stdout().is_terminal());
        Self {
            silent: false,
            colored,
            forwarder: None,
        }
    }

    pub(super) fn silent() -> Self {
        Self {
            silent: true,
            colored: false,
            forwarder: None,
        }
    }

    pub(super) fn set_prompt_printer(&mut self, printer: Option<PromptPrinter>) {
        self.flush();
        let colored = self.colored;
        self.forwarder = printer.and_then(|printer| {
            let printer = Printer { printer, colored };
            Spool::start("ws-printer", QUEUE_BYTES, printer).ok()
        });
    }

    /// Whether it shows nothing ([`Terminal::silent`]).
    pub(super) fn is_silent(&self) -> bool {
        self.silent
    }

    pub(super) fn write(&mut self, stream: Stream, line: &Line) {
        if self.silent {
            return;
        }
        let mut text = String::new();
        super::render::paint(line, self.colored, &mut text);
        if let Some(forwarder) = &self.forwarder {
            // Traffic may be dropped in a flood; the console's own lines
            // (a result, an error, a notice) take the reserve.
            let chunk = text.clone().into_bytes();
            let sent = match line.mark {
                Mark::Received(_) | Mark::Sent | Mark::More => forwarder.send(chunk, 1),
                Mark::Note | Mark::Typed => forwarder.send_reserved(chunk, 1),
            };
            if sent.is_ok() {
                return;
            }
        }
        // A closed pipe or a full disk must not stop the console.
        let _ = match stream {
            Stream::Err => io::stderr().lock().write_all(text.as_bytes()),
            _ => {
                let mut out = io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|()| out.flush())
            }
        };
    }

    /// Blocks until queued output is written (at most a short while).
    pub(super) fn flush(&mut self) {
        if let Some(written) = self.written() {
            written.wait(Duration::from_secs(2));
        }
        let _ = io::stdout().flush();
    }

    /// A waiter for the output queued so far, if any is queued.
    pub(super) fn written(&self) -> Option<Written> {
        self.forwarder.as_ref().map(Spool::written)
    }
}

/// The prompt printer as a spool's drain.
struct Printer {
    printer: PromptPrinter,
    colored: bool,
}

impl Drain for Printer {
    fn write(&mut self, batch: Vec<Vec<u8>>) -> io::Result<()> {
        for chunk in batch {
            // Each chunk is a painted line, so text.
            let text = String::from_utf8(chunk)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            self.printer.print(text).map_err(io::Error::other)?;
        }
        Ok(())
    }

    fn dropped(&mut self, count: usize) -> io::Result<()> {
        let line = Line::of(
            Role::Warning,
            format!("The terminal did not keep up: {count} line(s) were not shown."),
        );
        let mut text = String::new();
        super::render::paint(&line, self.colored, &mut text);
        self.printer.print(text).map_err(io::Error::other)
    }
}
