//! The one display thread of the process: everything a console shows on
//! the terminal goes through it, in order, whatever the number of
//! connections. A connection's task hands its lines over and never waits,
//! so a terminal that is paused (Ctrl+S) or a slow pipe never stops reads
//! and pongs: past [`QUEUE_BYTES`] waiting, traffic (messages received or
//! sent) is not shown, and the count of lines left out is shown once the
//! terminal moves again. Transcripts get every line (the console writes
//! them itself). Other lines (what a line printed, its result, notices)
//! are never left out: a thread outside the runtime (a script) waits for
//! room, a connection's task queues them beyond the bound (there are few).
//!
//! While a prompt is open, lines go through rustyline's external printer,
//! so the line being edited stays intact.

use std::io::{self, Write};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Line, Role, Stream};
use crate::cancel::{block, deadline};
use crate::queue::{Bound, Queue, Weigh};

/// How many bytes of output may wait for a terminal that does not take
/// them: screens of it, so only a flood loses lines.
const QUEUE_BYTES: usize = 256 * 1024;

/// Prints text above an open prompt, as the prompt's line editor does
/// (rustyline's external printer); `false` when it can no longer print.
pub(crate) type PromptPrinter = Box<dyn FnMut(String) -> bool + Send>;

/// Painted text for standard output or error.
pub(super) struct Piece {
    pub stream: Stream,
    pub text: String,
    /// Traffic may be left out when the terminal does not keep up.
    pub traffic: bool,
}

/// What the display thread takes, in order: text, or a change of the
/// printer it goes through.
enum Item {
    Text(Piece),
    Printer(Option<PromptPrinter>),
}

impl Weigh for Item {
    fn weight(&self) -> usize {
        match self {
            Item::Text(piece) => piece.text.capacity() + 64,
            Item::Printer(_) => 64,
        }
    }
}

struct Display {
    queue: Queue<Item>,
    /// Whether output goes through a prompt's printer.
    printing: AtomicBool,
    /// Traffic lines left out and not yet told.
    dropped: AtomicUsize,
    /// Items handed over, and items written (or given up on).
    queued: AtomicU64,
    shown: watch::Sender<u64>,
    colored: bool,
}

/// The display, once started.
static DISPLAY: OnceLock<&'static Display> = OnceLock::new();

/// The display, started on first use.
fn display() -> &'static Display {
    DISPLAY.get_or_init(|| {
        let display: &'static Display = Box::leak(Box::new(Display {
            queue: Queue::bounded(Bound {
                items: usize::MAX,
                bytes: QUEUE_BYTES,
            }),
            printing: AtomicBool::new(false),
            dropped: AtomicUsize::new(0),
            queued: AtomicU64::new(0),
            shown: watch::Sender::new(0),
            colored: super::render::colour_wanted(io::IsTerminal::is_terminal(&io::stdout())),
        }));
        // Without a thread, nothing is shown; the console goes on.
        let _ = std::thread::Builder::new()
            .name("ws-display".into())
            .spawn(move || display.run());
        display
    })
}

/// Hands `piece` to the display thread (see the module's notes).
pub(super) fn show(piece: Piece) {
    let display = display();
    let traffic = piece.traffic;
    let item = Item::Text(piece);
    let in_runtime = tokio::runtime::Handle::try_current().is_ok();
    let queued = match (traffic, in_runtime) {
        (true, _) => display.queue.try_push(item).is_ok(),
        (false, true) => display.queue.push_over(item).is_ok(),
        (false, false) => {
            let never = CancellationToken::new();
            display.queue.push_blocking(item, &never, None).is_ok()
        }
    };
    if queued {
        display.queued.fetch_add(1, Ordering::SeqCst);
    } else if traffic {
        display.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// Whether a line of traffic would be shown now; if not, it counts as
/// left out.
pub(super) fn has_room() -> bool {
    let display = display();
    // A line of traffic is a few hundred bytes (a hex dump a few KiB).
    let room = display.queue.budget().would_take(4096);
    if !room {
        display.dropped.fetch_add(1, Ordering::Relaxed);
    }
    room
}

/// Routes output through a printer that keeps an open prompt intact;
/// `None` goes back to direct writes. What is queued before goes the way
/// it was going; this never waits for a printer that is stuck.
pub(super) fn set_prompt_printer(printer: Option<PromptPrinter>) {
    let display = display();
    if printer.is_some() {
        display.printing.store(true, Ordering::SeqCst);
    }
    if display.queue.push_over(Item::Printer(printer)).is_ok() {
        display.queued.fetch_add(1, Ordering::SeqCst);
    }
}

/// Waits until everything handed over so far is written, as any program
/// waits for its output; through a prompt's printer, at most a short while
/// (rustyline's printer may hold lines until a key is pressed).
pub(crate) fn settle() {
    let printing = DISPLAY
        .get()
        .is_some_and(|d| d.printing.load(Ordering::SeqCst));
    flush(printing.then_some(Duration::from_secs(2)));
}

/// Waits until everything handed over so far is written, at most `limit`.
/// Never waits on a thread of the runtime.
pub(crate) fn flush(limit: Option<Duration>) {
    let Some(display) = DISPLAY.get() else {
        return;
    };
    if tokio::runtime::Handle::try_current().is_ok() {
        return;
    }
    let upto = display.queued.load(Ordering::SeqCst);
    let mut shown = display.shown.subscribe();
    let never = CancellationToken::new();
    let _ = block(shown.wait_for(|n| *n >= upto), &never, deadline(limit));
}

impl Display {
    /// The thread: writes what is queued, a batch at a time.
    fn run(&self) {
        let never = CancellationToken::new();
        let mut out = Out {
            printer: None,
            failed: false,
        };
        let mut first = None;
        loop {
            // Waits for output, unless lines left out are still to be told.
            if self.dropped.load(Ordering::Relaxed) == 0 {
                match self.queue.pop_blocking(&never, None) {
                    Ok(Some(item)) => first = Some(item),
                    _ => return,
                }
            }
            // Lines left out before this batch are told after it: after
            // what was queued at the time they were left out.
            let dropped = self.dropped.swap(0, Ordering::Relaxed);
            let mut batch: Vec<Item> = first.take().into_iter().collect();
            batch.extend(self.queue.drain());
            let count = batch.len() as u64;
            out.write(batch);
            if dropped > 0 {
                out.write(vec![Item::Text(self.left_out(dropped))]);
            }
            self.printing.store(out.printer.is_some(), Ordering::SeqCst);
            self.shown.send_modify(|shown| *shown += count);
        }
    }

    /// The notice of `count` lines left out.
    fn left_out(&self, count: usize) -> Piece {
        let notice = Line::of(
            Role::Warning,
            format!("The terminal did not keep up: {count} line(s) were not shown."),
        );
        let mut text = String::new();
        super::render::paint(&notice, self.colored, &mut text);
        Piece {
            stream: Stream::Err,
            text,
            traffic: false,
        }
    }
}

/// Where the display thread writes.
struct Out {
    printer: Option<PromptPrinter>,
    /// A write failed (a closed pipe, a full disk): nothing more is shown,
    /// and the console goes on.
    failed: bool,
}

impl Out {
    /// Writes a batch in order: each run of text for one stream in one
    /// write, or line by line through the printer.
    fn write(&mut self, batch: Vec<Item>) {
        let mut run = String::new();
        let mut stream = Stream::Out;
        for item in batch {
            match item {
                Item::Printer(printer) => {
                    self.direct(stream, &mut run);
                    self.printer = printer;
                }
                // Above the prompt; a printer that fails is let go (what
                // follows is written directly).
                Item::Text(piece) if let Some(printer) = &mut self.printer => {
                    if !printer(piece.text) {
                        self.printer = None;
                    }
                }
                Item::Text(piece) => {
                    if piece.stream != stream {
                        self.direct(stream, &mut run);
                    }
                    stream = piece.stream;
                    run.push_str(&piece.text);
                }
            }
        }
        self.direct(stream, &mut run);
    }

    /// Writes `run` to `stream` and empties it.
    fn direct(&mut self, stream: Stream, run: &mut String) {
        if run.is_empty() || self.failed {
            run.clear();
            return;
        }
        let written = match stream {
            Stream::Err => io::stderr().lock().write_all(run.as_bytes()),
            _ => {
                let mut out = io::stdout().lock();
                out.write_all(run.as_bytes()).and_then(|()| out.flush())
            }
        };
        self.failed = written.is_err();
        run.clear();
    }
}
