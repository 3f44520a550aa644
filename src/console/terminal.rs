//! The terminal sink: renders lines with owo-colors (honouring `NO_COLOR` and
//! non-terminals) and writes them to standard output or error. While a prompt
//! is open, output goes through rustyline's external printer so the line
//! being edited stays intact; a queue and a thread of their own sit in
//! front of it, because the printer may block (a terminal paused with
//! Ctrl+S), and reads and pongs must not wait for it. The queue holds at
//! most [`QUEUE_BYTES`]; lines that find it full are dropped and counted,
//! and the count is shown once the terminal has taken the rest.

use std::io::{self, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread;

use super::{Line, Role, Stream};

/// How many bytes of output may wait for a prompt printer that does not
/// take them: screens of it, so only a flood loses lines (transcripts get
/// them all).
const QUEUE_BYTES: usize = 256 * 1024;

/// rustyline's printer for output above an open prompt.
pub(crate) type PromptPrinter = Box<dyn rustyline::ExternalPrinter + Send>;

pub(super) struct Terminal {
    silent: bool,
    colored: bool,
    forwarder: Option<Forwarder>,
}

enum Forward {
    Text(String),
    Flush(SyncSender<()>),
}

/// The sending end of the queue in front of the prompt printer.
struct Forwarder {
    queue: Sender<Forward>,
    counts: Arc<Counts>,
}

/// What waits in the queue, and the lines dropped since the last notice.
#[derive(Default)]
struct Counts {
    bytes: AtomicUsize,
    dropped: AtomicUsize,
}

impl Forwarder {
    /// Queues `text`, or drops it (counted) when the queue is full; false
    /// once the printer is gone.
    fn offer(&self, text: String) -> bool {
        let size = text.len();
        if self.counts.bytes.fetch_add(size, Ordering::AcqRel) + size > QUEUE_BYTES {
            self.counts.bytes.fetch_sub(size, Ordering::AcqRel);
            self.counts.dropped.fetch_add(1, Ordering::AcqRel);
            return true;
        }
        if self.queue.send(Forward::Text(text)).is_err() {
            self.counts.bytes.fetch_sub(size, Ordering::AcqRel);
            return false;
        }
        true
    }
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
        self.forwarder = printer.map(|printer| spawn_forwarder(printer, colored));
    }

    pub(super) fn write(&mut self, stream: Stream, line: &Line) {
        if self.silent {
            return;
        }
        let mut text = String::new();
        super::render::paint(line, self.colored, &mut text);
        if let Some(forwarder) = &self.forwarder
            && forwarder.offer(text.clone())
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
        forwarder.queue.send(Forward::Flush(done)).ok()?;
        Some(ticket)
    }
}

fn spawn_forwarder(mut printer: PromptPrinter, colored: bool) -> Forwarder {
    let (queue, rx) = mpsc::channel::<Forward>();
    let counts = Arc::new(Counts::default());
    let taken = counts.clone();
    thread::Builder::new()
        .name("ws-printer".into())
        .spawn(move || {
            for item in rx {
                match item {
                    Forward::Text(text) => {
                        let size = text.len();
                        let printed = printer.print(text);
                        let left = taken.bytes.fetch_sub(size, Ordering::AcqRel) - size;
                        if printed.is_err() {
                            break;
                        }
                        let dropped = match left {
                            0 => taken.dropped.swap(0, Ordering::AcqRel),
                            _ => 0,
                        };
                        if dropped > 0 && printer.print(not_shown(dropped, colored)).is_err() {
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
    Forwarder { queue, counts }
}

/// The notice of `dropped` lines the terminal did not take in time.
fn not_shown(dropped: usize, colored: bool) -> String {
    let line = Line::of(
        Role::Warning,
        format!("The terminal did not keep up: {dropped} line(s) were not shown."),
    );
    let mut text = String::new();
    super::render::paint(&line, colored, &mut text);
    text
}
