//! `ws pipe URL` (and `ws URL` when standard input is not a terminal): each
//! line of standard input becomes a message (text; `--binary` for binary;
//! `--jsonl` for one JSON object a line), and each message that arrives is
//! written to standard output byte for byte, followed by a newline.
//!
//! When standard input ends, everything read is sent, and replies are
//! still written out until the server has been quiet for `--linger`
//! seconds (default 1; 0 closes at once), or `response_timeout` has passed
//! since the input ended, or the server closes; then the close handshake
//! runs (1000); status 0.
//! A server close ends it too: 0 for 1000/1001, 1 with the code otherwise.
//! Ctrl+C or SIGTERM closes with 1001 (status 130). `--preamble FILE`
//! sends its lines first on every connection; with `--reconnect` an
//! abnormal end opens a new one and the pipe goes on: lines read
//! meanwhile go on the new connection.
//!
//! It drives the client core in its own loop: a reader thread hands lines
//! over through a bounded queue, and they are given to the socket only
//! while little waits to be written, so memory stays flat however fast
//! standard input is; output goes through one buffer, written when the
//! socket has nothing more ready. Nothing is dropped: a reader of the
//! output that stops stops the reads too.

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures_util::FutureExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_util::sync::CancellationToken;

use super::{client, jsonl};
use crate::cancel::until;
use crate::cli::PipeArgs;
use crate::cli::Verbosity;
use crate::connection::{Client, CloseInfo, Closer, Event, Message, message_cost, url};
use crate::console::{Console, Line, render};
use crate::error::{Error, Result};
use crate::queue::{Bound, Queue, Weigh};
use crate::runtime::runtime;

/// Bytes read from standard input at a time, and written to standard
/// output at most before a write.
const BATCH_BYTES: usize = 64 * 1024;
/// Bytes of messages read and waiting for the socket, at most.
const INPUT_BYTES: usize = 4 * BATCH_BYTES;
/// No more input is taken while this much waits to be written.
const HIGH_WATER: usize = 256 * 1024;

/// How lines and messages are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Text,
    Binary,
    Jsonl,
}

/// A message read from standard input, or why reading stopped.
struct Input(std::result::Result<WsMessage, Error>);

impl Weigh for Input {
    fn weight(&self) -> usize {
        message_cost(self.0.as_ref().map_or(0, WsMessage::len))
    }
}

/// Why the pipe stopped.
enum End {
    /// The connection ended (after our close or the server's).
    Ended(CloseInfo),
    /// Standard output failed (a closed pipe ends quietly).
    Output(io::Error),
}

pub(crate) fn run(args: PipeArgs) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let (settings, options) =
        super::client_settings(&args.connect, Some(&args.stay), &args.pipe.given, None)?;
    let core = client::settings(&settings, options, "ws pipe", args.shown.verbose)?;
    let mode = match (args.binary, args.jsonl) {
        (_, true) => Mode::Jsonl,
        (true, false) => Mode::Binary,
        (false, false) => Mode::Text,
    };
    runtime()?.block_on(async {
        let console = Console::stdio();
        let (mut client, mut stop) =
            client::connect(&url, core, &console, args.shown.quiet).await?;
        let mut pipe = Pipe {
            input: spawn_reader(mode, settings.max_message_size),
            output: Output::new(mode),
            reading: true,
            failed: None,
            shown: args.shown,
            console,
            linger: Linger {
                quiet: settings.linger,
                patience: settings.response_timeout,
                until: None,
            },
        };
        let end = loop {
            if let Some(end) = pipe.ready(&mut client) {
                break end;
            }
            let event = tokio::select! {
                biased;
                () = &mut stop => return client::leave(&mut client, None).await,
                event = client.next() => event,
                input = pipe.input.pop(), if pipe.takes(&client) => {
                    pipe.take(&mut client, input);
                    continue;
                }
                () = until(pipe.linger.deadline()) => {
                    pipe.linger.expired(&mut client);
                    continue;
                }
            };
            if let Some(end) = pipe.event(event) {
                break end;
            }
        };
        match end {
            End::Output(e) => client::leave(&mut client, Some(e)).await,
            End::Ended(info) => match pipe.failed.take() {
                Some(error) => Err(error),
                None => client::outcome(&info).map(|()| 0),
            },
        }
    })
}

/// The pipe's state between the input, the client and the output.
struct Pipe {
    input: Arc<Queue<Input>>,
    output: Output,
    /// Whether input is still taken (until its end or a bad line).
    reading: bool,
    /// A line that is not a message: it ends the input like its end does
    /// (the close goes after what came before, whose replies are still
    /// shown), and is the error once the connection is over.
    failed: Option<Error>,
    linger: Linger,
    shown: Verbosity,
    /// Notices, on standard error.
    console: Console,
}

/// The wait after the input ended for the replies still to come: the
/// close goes once the server has been quiet for `quiet`, or `patience`
/// after the input ended (a server that streams without pause).
struct Linger {
    quiet: Duration,
    patience: Option<Duration>,
    /// While lingering: when to close, at the latest, and when for quiet.
    until: Option<(Option<Instant>, Instant)>,
}

impl Linger {
    /// The input ended: close at once (`quiet` of zero), else wait.
    fn start(&mut self, client: &mut Client) {
        if self.quiet.is_zero() {
            return client.close(1000, "");
        }
        let now = Instant::now();
        let latest = self.patience.and_then(|p| now.checked_add(p));
        self.until = Some((latest, now + self.quiet));
    }

    /// When the next look is due; `None` (never) while not lingering.
    fn deadline(&self) -> Option<Instant> {
        let (latest, quiet) = self.until?;
        Some(latest.map_or(quiet, |latest| latest.min(quiet)))
    }

    /// A message came: the server is not quiet yet.
    fn heard(&mut self) {
        if let Some((_, quiet)) = &mut self.until {
            *quiet = Instant::now() + self.quiet;
        }
    }

    /// The deadline came: close if the server was quiet long enough, or
    /// the patience is spent.
    fn expired(&mut self, client: &mut Client) {
        let Some((latest, quiet)) = self.until else {
            return;
        };
        let now = Instant::now();
        if now >= quiet || latest.is_some_and(|latest| now >= latest) {
            self.until = None;
            client.close(1000, "");
        }
    }
}

impl Pipe {
    /// Whether to take input now: not while much waits to be written, nor
    /// while a new connection is dialled (the input waits for it).
    fn takes(&self, client: &Client) -> bool {
        self.reading && client.is_open() && client.backlog() <= HIGH_WATER
    }

    /// Handles everything ready now, without waiting: events, then input;
    /// then writes the output. The end, if it came.
    fn ready(&mut self, client: &mut Client) -> Option<End> {
        while let Some(event) = client.next().now_or_never() {
            if let Some(end) = self.event(event) {
                return Some(end);
            }
        }
        while self.takes(client) {
            match self.input.try_pop() {
                Some(input) => self.take(client, Some(input)),
                None if self.input.is_closed() => self.take(client, None),
                None => break,
            }
        }
        // A server that never pauses keeps events ready: the linger's
        // deadline is looked at here too.
        if self
            .linger
            .deadline()
            .is_some_and(|at| at <= Instant::now())
        {
            self.linger.expired(client);
        }
        self.output.flush().err().map(End::Output)
    }

    /// Sends a line read, or closes at the end of the input.
    fn take(&mut self, client: &mut Client, input: Option<Input>) {
        match input {
            Some(Input(Ok(message))) => client.send(message),
            Some(Input(Err(error))) => {
                self.failed = Some(error);
                self.end_input(client);
            }
            None => self.end_input(client),
        }
    }

    fn end_input(&mut self, client: &mut Client) {
        self.reading = false;
        self.linger.start(client);
    }

    /// Writes a message out; notices on standard error.
    fn event(&mut self, event: Event) -> Option<End> {
        if let Some(line) = render::notice(&event) {
            self.notice(line);
        }
        match event {
            Event::Message(message) => {
                self.linger.heard();
                self.output.message(&message).err().map(End::Output)
            }
            Event::Malformed { message, .. } => {
                self.output.message(&message).err().map(End::Output)
            }
            Event::Closed(info) => {
                if self.shown.verbose && self.output.mode == Mode::Jsonl {
                    let line = jsonl::close_line(&info, SystemTime::now());
                    if let Err(e) = self.output.line(line.as_bytes()) {
                        return Some(End::Output(e));
                    }
                } else if self.shown.verbose && info.by != Closer::Dropped {
                    self.notice(render::close_line(&info));
                }
                Some(End::Ended(info))
            }
            Event::Ping(payload) => self.control("ping", &payload),
            Event::Pong(payload) => self.control("pong", &payload),
            Event::Keepalive(_)
            | Event::Frame { .. }
            | Event::Reconnecting(_)
            | Event::Reconnected(_) => None,
        }
    }

    /// A note about the connection on standard error (standard output is
    /// the messages'); not with `-q`.
    fn notice(&self, line: Line) {
        client::notice(&self.console, line, self.shown.quiet);
    }

    /// A control frame, with `-v` only: a line of its own with `--jsonl`,
    /// else a notice.
    fn control(&mut self, kind: &'static str, payload: &[u8]) -> Option<End> {
        if !self.shown.verbose {
            return None;
        }
        if self.output.mode == Mode::Jsonl {
            let line = jsonl::control_line(kind, payload, SystemTime::now());
            return self.output.line(line.as_bytes()).err().map(End::Output);
        }
        self.notice(render::control_line(kind, payload, SystemTime::now()));
        None
    }
}

/// Reads standard input on a thread of its own into a bounded queue, so
/// memory stays flat however fast it comes; the queue closes at the end.
/// A line is read up to what can hold a message of `max_message_size`, so
/// a line without an end cannot fill memory: past that it is an error that
/// names it.
fn spawn_reader(mode: Mode, max_message_size: usize) -> Arc<Queue<Input>> {
    // The longest line read: a message of `max_message_size` and a `\r`
    // before its newline, or as JSON (escaped text, or base64 at 4 bytes
    // for 3).
    let longest = match mode {
        Mode::Jsonl => max_message_size.saturating_mul(6).saturating_add(1024),
        Mode::Text | Mode::Binary => max_message_size.saturating_add(1),
    };
    let queue = Arc::new(Queue::bounded(Bound {
        items: usize::MAX,
        bytes: INPUT_BYTES,
    }));
    let lines = queue.clone();
    std::thread::spawn(move || {
        let never = CancellationToken::new();
        let stdin = io::stdin();
        let mut reader = io::BufReader::with_capacity(BATCH_BYTES, stdin.lock());
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            let read = match crate::bounded::read_line(&mut reader, longest, &mut line) {
                Ok(None) => break,
                Ok(Some(length)) => {
                    number += 1;
                    if length > line.len() as u64 {
                        Err(too_long(number, max_message_size))
                    } else {
                        message(mode, &mut line, number)
                            .and_then(|m| fits(m, number, max_message_size))
                    }
                }
                Err(e) => Err(Error::io("cannot read standard input", e)),
            };
            let last = read.is_err();
            if lines.push_blocking(Input(read), &never, None).is_err() || last {
                break;
            }
        }
        lines.close();
    });
    queue
}

fn too_long(number: usize, max_message_size: usize) -> Error {
    Error::Usage(format!(
        "line {number} of standard input is longer than max_message_size ({max_message_size} bytes); raise it with --max-message-size"
    ))
}

/// The message if it is within `max_message_size`.
fn fits(message: WsMessage, number: usize, max_message_size: usize) -> Result<WsMessage> {
    if message.len() > max_message_size {
        return Err(too_long(number, max_message_size));
    }
    Ok(message)
}

/// The message of one input line (read without its `\n`; a `\r` before
/// it is dropped too).
fn message(mode: Mode, line: &mut Vec<u8>, number: usize) -> Result<WsMessage> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    let bytes = std::mem::take(line);
    if mode == Mode::Binary {
        return Ok(WsMessage::binary(bytes));
    }
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::Usage(format!(
            "line {number} of standard input is not UTF-8 text; send bytes with --binary"
        ))
    })?;
    match mode {
        Mode::Jsonl => jsonl::parse(&text)
            .map_err(|e| Error::Usage(format!("line {number} of standard input: {e}"))),
        _ => Ok(WsMessage::text(text)),
    }
}

/// Standard output through one buffer (`ws text --replies` writes
/// through it too).
pub(super) struct Output {
    out: BufWriter<StdoutLock<'static>>,
    mode: Mode,
    terminal: bool,
}

impl Output {
    pub(super) fn new(mode: Mode) -> Output {
        let stdout = io::stdout();
        Output {
            terminal: stdout.is_terminal(),
            out: BufWriter::with_capacity(BATCH_BYTES, stdout.lock()),
            mode,
        }
    }

    /// Writes a text or binary message and a newline.
    pub(super) fn message(&mut self, message: &Message) -> io::Result<()> {
        if self.mode == Mode::Jsonl {
            let line = jsonl::message_line(message, SystemTime::now());
            return self.line(line.as_bytes());
        }
        self.out.write_all(&message.payload())?;
        self.line(b"\n")
    }

    /// Writes `bytes`, flushing at once on a terminal.
    fn line(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        if self.terminal {
            self.out.flush()?;
        }
        Ok(())
    }

    pub(super) fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
