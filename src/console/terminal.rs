//! The terminal sink: renders lines with owo-colors (honouring `NO_COLOR` and
//! non-terminals) and writes them to standard output or error. While a prompt
//! is open, output goes through rustyline's external printer so the line
//! being edited stays intact; an unbounded queue and a thread of its own sit
//! in front of it, because the printer's channel is bounded and may block.

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread;

use super::{Line, Stream};

/// rustyline's printer for output above an open prompt.
pub(crate) type PromptPrinter = Box<dyn rustyline::ExternalPrinter + Send>;

pub(super) struct Terminal {
    silent: bool,
    colored: bool,
    forwarder: Option<Sender<Forward>>,
}

enum Forward {
    Text(String),
    Flush(SyncSender<()>),
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
        self.forwarder = printer.map(spawn_forwarder);
    }

    pub(super) fn write(&mut self, stream: Stream, line: &Line) {
        if self.silent {
            return;
        }
        let mut text = String::new();
        super::render::paint(line, self.colored, &mut text);
        if let Some(forwarder) = &self.forwarder
            && forwarder.send(Forward::Text(text.clone())).is_ok()
        {
            return;
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
        if let Some(ticket) = self.flush_ticket() {
            let _ = ticket.recv_timeout(std::time::Duration::from_secs(2));
        }
        let _ = io::stdout().flush();
    }

    /// A receiver that fires once queued output is written, if any is queued.
    pub(super) fn flush_ticket(&self) -> Option<Receiver<()>> {
        let forwarder = self.forwarder.as_ref()?;
        let (done, ticket) = mpsc::sync_channel(1);
        forwarder.send(Forward::Flush(done)).ok()?;
        Some(ticket)
    }
}

fn spawn_forwarder(mut printer: PromptPrinter) -> Sender<Forward> {
    let (tx, rx) = mpsc::channel::<Forward>();
    thread::Builder::new()
        .name("ws-printer".into())
        .spawn(move || {
            for item in rx {
                match item {
                    Forward::Text(text) => {
                        if printer.print(text).is_err() {
                            break;
                        }
                    }
                    Forward::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        })
        .expect("spawn the printer thread");
    tx
}
