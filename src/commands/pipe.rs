//! `ws pipe URL` (and `ws URL` when standard input is not a terminal): each
//! line of standard input becomes a message (text; `--binary` for binary;
//! `--jsonl` for one JSON object a line), and each message that arrives is
//! written to standard output byte for byte, followed by a newline.
//!
//! When standard input ends, everything read is sent, then the close
//! handshake runs (1000) while replies are still written out; status 0.
//! A server close ends it too: 0 for 1000/1001, 1 with the code otherwise.
//! Ctrl+C or SIGTERM closes with 1001 (status 130). `--preamble FILE`
//! sends its lines first on every connection; with `--reconnect` an
//! abnormal end opens a new one (see [`wire::Dialer`]) and the pipe goes
//! on: lines read meanwhile go on the new connection.
//!
//! It runs on the connection engine: a reader thread hands over batches of
//! messages, which are queued only while the engine's write queue is short,
//! so memory stays flat however fast standard input is; output goes
//! through one buffer, written when the socket has nothing more ready.

use std::future::poll_fn;
use std::io::{self, BufRead, BufWriter, IsTerminal, Read, StdoutLock, Write};
use std::task::Poll;
use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::{jsonl, wire};
use crate::cli::PipeArgs;
use crate::connection::{ClientEngine, CloseInfo, Step, url};
use crate::console::Role;
use crate::error::{Error, Result};
use crate::runtime::runtime;

/// Bytes read from standard input into one batch, at most.
const BATCH_BYTES: usize = 64 * 1024;
/// Batches waiting between the reader and the socket, at most.
const BATCHES: usize = 4;
/// No more input is taken while this much waits to be written.
const HIGH_WATER: usize = 256 * 1024;

/// How lines and messages are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Text,
    Binary,
    Jsonl,
}

/// A batch of messages, or why reading stopped.
type Batch = std::result::Result<Vec<WsMessage>, Error>;

/// Why the pipe stopped.
enum End {
    /// The connection ended (after our close or the server's).
    Ended(CloseInfo),
    /// A line could not be read or is not a message (the close has run).
    Input(Error),
    /// Standard output failed (a closed pipe ends quietly).
    Output(io::Error),
    /// Ctrl+C or SIGTERM.
    Interrupted,
}

pub(crate) fn run(args: PipeArgs) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let (settings, options) = super::client_settings(&args.connect, None)?;
    let mode = match (args.binary, args.jsonl) {
        (_, true) => Mode::Jsonl,
        (true, false) => Mode::Binary,
        (false, false) => Mode::Text,
    };
    runtime().block_on(async {
        let stop = wire::stop_signal()?;
        tokio::pin!(stop);
        let mut dialer = wire::Dialer::new(&url, &options, &settings, "ws pipe")?;
        let (mut engine, _) = wire::unless_stopped(dialer.open(), stop.as_mut()).await?;
        let mut input = spawn_reader(mode, settings.max_message_size);
        let mut output = Output::new(mode);
        loop {
            let end = tokio::select! {
                end = pump(&mut engine, &mut input, &mut output) => end,
                () = &mut stop => End::Interrupted,
            };
            let end = match output.flush() {
                Err(e) if !matches!(end, End::Output(_)) => End::Output(e),
                _ => end,
            };
            let lost = match end {
                End::Ended(info) if dialer.retries(&info) => info,
                end => return finish(&mut engine, end).await,
            };
            let again = tokio::select! {
                again = dialer.reopen(&lost, |retry| notice(Role::Warning, retry.notice())) => again,
                () = &mut stop => return Err(Error::Interrupted),
            };
            match again {
                Ok((next, attempt)) => {
                    engine = next;
                    notice(Role::Info, format!("reconnected (attempt {attempt})"));
                }
                Err(end) => return finish(&mut engine, End::Ended(end)).await,
            }
        }
    })
}

/// A note about the connection on standard error (standard output is
/// the messages').
fn notice(role: Role, text: String) {
    crate::console::Console::stdio().err(crate::console::Line::of(role, text));
}

/// Moves input to the socket and messages to the output until the end.
async fn pump(
    engine: &mut ClientEngine,
    input: &mut mpsc::Receiver<Batch>,
    output: &mut Output,
) -> End {
    let mut reading = true;
    // A line that is not a message ends the input like its end does (the
    // close goes after what came before, whose replies are still shown),
    // and is the error once the connection is over.
    let mut failed = None;
    poll_fn(|cx| {
        loop {
            match engine.poll_step(cx) {
                Poll::Ready(Step::Message(message)) => {
                    if let Err(e) = output.message(&message) {
                        return Poll::Ready(End::Output(e));
                    }
                    continue;
                }
                Poll::Ready(Step::Ended(info)) => {
                    return Poll::Ready(match failed.take() {
                        Some(error) => End::Input(error),
                        None => End::Ended(info),
                    });
                }
                Poll::Pending => {}
            }
            if let Err(e) = output.flush() {
                return Poll::Ready(End::Output(e));
            }
            if !reading || engine.queued_bytes() > HIGH_WATER {
                return Poll::Pending;
            }
            match input.poll_recv(cx) {
                Poll::Ready(Some(Ok(batch))) => batch.into_iter().for_each(|m| engine.queue(m)),
                Poll::Ready(ended) => {
                    failed = ended.and_then(Result::err);
                    reading = false;
                    engine.close(1000, "");
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await
}

/// Completes the close as the end asks and gives the status.
async fn finish(engine: &mut ClientEngine, end: End) -> Result<i32> {
    match end {
        End::Ended(info) => wire::outcome(&info).map(|()| 0),
        End::Input(error) => Err(error),
        End::Output(e) => wire::leave(engine, Some(e)).await,
        End::Interrupted => wire::leave(engine, None).await,
    }
}

/// Reads standard input on a thread of its own, in batches: a batch goes
/// when it is big enough or when no more input is ready, so lines typed
/// by hand go at once and a file goes in large pieces. A line is read up
/// to what can hold a message of `max_message_size`, so a line without
/// an end cannot fill memory: past that it is an error that names it.
fn spawn_reader(mode: Mode, max_message_size: usize) -> mpsc::Receiver<Batch> {
    let longest = longest_line(mode, max_message_size);
    let (batches, receiver) = mpsc::channel(BATCHES);
    std::thread::spawn(move || {
        let stdin = io::stdin();
        let mut reader = io::BufReader::with_capacity(BATCH_BYTES, stdin.lock());
        let mut batch = Vec::new();
        let mut size = 0;
        let mut line = Vec::new();
        let mut number = 0usize;
        loop {
            line.clear();
            match Read::take(&mut reader, longest + 1).read_until(b'\n', &mut line) {
                Ok(0) => break,
                Ok(_) => number += 1,
                Err(e) => {
                    let _ = batches.blocking_send(Err(Error::io("cannot read standard input", e)));
                    return;
                }
            }
            let read = if line.len() as u64 > longest {
                Err(too_long(number, max_message_size))
            } else {
                message(mode, &mut line, number).and_then(|m| fits(m, number, max_message_size))
            };
            match read {
                Ok(message) => {
                    size += message.len();
                    batch.push(message);
                }
                Err(error) => {
                    let _ = batches.blocking_send(Ok(std::mem::take(&mut batch)));
                    let _ = batches.blocking_send(Err(error));
                    return;
                }
            }
            if size >= BATCH_BYTES || reader.buffer().is_empty() {
                size = 0;
                if batches
                    .blocking_send(Ok(std::mem::take(&mut batch)))
                    .is_err()
                {
                    return;
                }
            }
        }
        if !batch.is_empty() {
            let _ = batches.blocking_send(Ok(batch));
        }
    });
    receiver
}

/// The longest line read: a message of `max_message_size` and its line
/// ending, or as JSON (escaped text, or base64 at 4 bytes for 3).
fn longest_line(mode: Mode, max_message_size: usize) -> u64 {
    let longest = match mode {
        Mode::Jsonl => max_message_size.saturating_mul(6).saturating_add(1024),
        Mode::Text | Mode::Binary => max_message_size.saturating_add(2),
    };
    longest as u64
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

/// The message of one input line (its line ending dropped).
fn message(mode: Mode, line: &mut Vec<u8>, number: usize) -> Result<WsMessage> {
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
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

/// Standard output through one buffer.
struct Output {
    out: BufWriter<StdoutLock<'static>>,
    mode: Mode,
    terminal: bool,
}

impl Output {
    fn new(mode: Mode) -> Output {
        let stdout = io::stdout();
        Output {
            terminal: stdout.is_terminal(),
            out: BufWriter::with_capacity(BATCH_BYTES, stdout.lock()),
            mode,
        }
    }

    /// Writes a text or binary message and a newline (control frames are
    /// not data and are left out).
    fn message(&mut self, message: &WsMessage) -> io::Result<()> {
        let bytes: &[u8] = match message {
            WsMessage::Text(text) => text.as_bytes(),
            WsMessage::Binary(bytes) => bytes,
            _ => return Ok(()),
        };
        if self.mode == Mode::Jsonl {
            let line = jsonl::line(message, SystemTime::now()).unwrap_or_default();
            self.out.write_all(line.as_bytes())?;
        } else {
            self.out.write_all(bytes)?;
            self.out.write_all(b"\n")?;
        }
        if self.terminal {
            self.out.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}
