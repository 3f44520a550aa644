//! `ws listen`: prints every message a server sends, with its kind and
//! time, until the server closes (status 0 for 1000 and 1001, 1 otherwise),
//! `-d` seconds pass (we close with 1000, status 0), or Ctrl+C or SIGTERM
//! (we close with 1001, status 130). `--preamble FILE` sends its lines
//! after every connection; with `--reconnect` (see [`wire::Dialer`]) an
//! abnormal end opens a new connection and the lines go on to the same
//! output.
//!
//! It keeps up with a fast server: lines are rendered straight into one
//! buffer (see [`render::write_text`]) and handed to the thread that writes
//! standard output (a [`Spool`]) when the socket has nothing more ready, or
//! at once per message when standard output is a terminal. A reader that
//! stops taking the output never stops reads and pongs: past
//! [`super::output::QUEUE_BYTES`] waiting, messages are dropped with a notice. With `-f` every line goes through the [`Console`] instead, so
//! the transcript gets it too. The close notice goes to standard error,
//! leaving standard output to the messages.

use std::io::{self, IsTerminal};
use std::time::SystemTime;

use futures_util::FutureExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::wire;
use crate::cli::ListenArgs;
use crate::connection::{ClientEngine, CloseInfo, Message, Step, url};
use crate::console::render::{self, Clock};
use crate::console::spool::Spool;
use crate::console::{Console, Line, Role, Stream};
use crate::error::Result;
use crate::runtime::runtime;

/// Bytes gathered before a write even while the socket has more ready.
const CHUNK: usize = 64 * 1024;

/// Why listening stopped.
enum End {
    /// The server closed (we answered), or the connection broke.
    Ended(CloseInfo),
    /// Standard output failed (a closed pipe ends quietly).
    Output(io::Error),
    /// `-d` elapsed.
    Elapsed,
    /// Ctrl+C or SIGTERM.
    Interrupted,
}

pub(crate) fn run(args: ListenArgs) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let width = args.terminal_width.as_deref();
    let (settings, options) = super::client_settings(&args.connect, width)?;
    let duration = wire::duration(args.duration)?;
    let mut printer = if args.file.is_empty() {
        Printer::direct(args.json, args.raw, args.jsonl)
            .map_err(|e| crate::error::Error::io("cannot start the output", e))?
    } else {
        let console = Console::stdio();
        super::attach_transcript(&console, &args.file, &settings)?;
        Printer::Console(console, args.json)
    };
    let result = runtime().block_on(async {
        let stop = wire::stop_signal()?;
        tokio::pin!(stop);
        let deadline = duration.map(|d| tokio::time::Instant::now() + d);
        let mut dialer = wire::Dialer::new(&url, &options, &settings, "ws listen")?;
        let (mut engine, handshake) = wire::unless_stopped(dialer.open(), stop.as_mut()).await?;
        if let Some(compression) = handshake.compression {
            printer.notice(
                Line::of(Role::Info, "Connected to ")
                    .push(Role::Url, url.as_str())
                    .push(Role::Info, ", compressed with ")
                    .push(Role::Literal, compression.to_string())
                    .push(Role::Info, "."),
            );
        }
        loop {
            let end = tokio::select! {
                end = receive(&mut engine, &mut printer) => end,
                () = &mut stop => End::Interrupted,
                () = wire::until(deadline) => End::Elapsed,
            };
            let end = match printer.flush() {
                Err(e) if !matches!(end, End::Output(_)) => End::Output(e),
                _ => end,
            };
            let lost = match end {
                End::Ended(info) if dialer.retries(&info) => info,
                end => return finish(&mut engine, end, &mut printer).await,
            };
            let again = tokio::select! {
                again = dialer.reopen(&lost, |retry| printer.notice(Line::of(Role::Warning, retry.notice()))) => again,
                () = &mut stop => return Err(crate::error::Error::Interrupted),
                () = wire::until(deadline) => return Ok(0),
            };
            match again {
                Ok((next, attempt)) => {
                    engine = next;
                    printer.notice(Line::of(Role::Info, format!("reconnected (attempt {attempt})")));
                }
                Err(end) => return finish(&mut engine, End::Ended(end), &mut printer).await,
            }
        }
    });
    printer.finish(&result);
    result
}

/// Prints what arrives until the connection ends or output fails.
async fn receive(engine: &mut ClientEngine, printer: &mut Printer) -> End {
    loop {
        let step = match engine.next().now_or_never() {
            Some(step) => step,
            None => {
                if let Err(e) = printer.flush() {
                    return End::Output(e);
                }
                engine.next().await
            }
        };
        let shown = match step {
            Step::Message(WsMessage::Text(text)) => printer.text(text.as_str()),
            Step::Message(WsMessage::Binary(bytes)) => printer.binary(&bytes),
            Step::Message(WsMessage::Ping(payload)) => printer.control("ping", &payload),
            Step::Message(WsMessage::Pong(payload)) => printer.control("pong", &payload),
            Step::Message(_) => Ok(()),
            Step::Ended(info) => return End::Ended(info),
        };
        if let Err(e) = shown {
            return End::Output(e);
        }
    }
}

/// Completes the close handshake as the end asks and gives the status.
async fn finish(engine: &mut ClientEngine, end: End, printer: &mut Printer) -> Result<i32> {
    match end {
        End::Ended(info) => {
            if info.by != crate::connection::Closer::Dropped {
                printer.close_notice(&info);
            }
            wire::outcome(&info).map(|()| 0)
        }
        End::Elapsed => {
            let info = engine.close_and_wait(1000, "").await;
            wire::outcome(&info).map(|()| 0)
        }
        End::Interrupted => wire::leave(engine, None).await,
        End::Output(e) => wire::leave(engine, Some(e)).await,
    }
}

/// Where the lines go.
enum Printer {
    /// Straight to standard output through one buffer.
    Direct(Direct),
    /// Through the console and its transcript; the flag is `--json`.
    Console(Console, bool),
}

struct Direct {
    out: Spool,
    /// Messages rendered into `buffer` and not handed over yet.
    messages: usize,
    /// `--raw`: payloads byte for byte, without headers or escaping.
    raw: bool,
    buffer: String,
    clock: Clock,
    json: bool,
    /// One JSON object a line (`--jsonl`).
    jsonl: bool,
    colored: bool,
    terminal: bool,
}

impl Printer {
    fn direct(json: bool, raw: bool, jsonl: bool) -> io::Result<Printer> {
        let terminal = io::stdout().is_terminal();
        let colored = render::colour_wanted(terminal);
        Ok(Printer::Direct(Direct {
            out: super::output::stdout()?,
            messages: 0,
            raw,
            buffer: String::with_capacity(CHUNK * 2),
            clock: Clock::new(),
            json,
            jsonl,
            colored,
            terminal,
        }))
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        match self {
            Printer::Direct(d) if d.raw => d.raw(text.as_bytes()),
            Printer::Direct(d) if d.jsonl => d.jsonl(&WsMessage::text(text)),
            Printer::Direct(d) => {
                let clock = d.clock.at(SystemTime::now());
                render::write_text(&mut d.buffer, text, clock, d.json, d.colored);
                d.written()
            }
            Printer::Console(console, json) => {
                let message = Message::Text(text.to_string());
                let lines = render::message_lines(&message, SystemTime::now(), *json);
                console.emit_all(Stream::Out, lines);
                Ok(())
            }
        }
    }

    fn binary(&mut self, bytes: &[u8]) -> io::Result<()> {
        if let Printer::Direct(d) = self
            && d.raw
        {
            return d.raw(bytes);
        }
        let message = Message::Binary(bytes.to_vec());
        match self {
            Printer::Direct(d) if d.jsonl => d.jsonl(&WsMessage::binary(bytes.to_vec())),
            Printer::Direct(d) => {
                let clock = d.clock.at(SystemTime::now());
                let lines = render::message_lines_at(&message, clock, d.json);
                d.lines(&lines)
            }
            Printer::Console(console, json) => {
                let lines = render::message_lines(&message, SystemTime::now(), *json);
                console.emit_all(Stream::Out, lines);
                Ok(())
            }
        }
    }

    fn control(&mut self, kind: &'static str, payload: &[u8]) -> io::Result<()> {
        let line = render::control_line(kind, payload, SystemTime::now());
        match self {
            Printer::Direct(d) if d.raw => Ok(()),
            Printer::Direct(d) if d.jsonl => {
                let payload = payload.to_vec().into();
                let frame = match kind {
                    "ping" => WsMessage::Ping(payload),
                    _ => WsMessage::Pong(payload),
                };
                d.jsonl(&frame)
            }
            Printer::Direct(d) => d.lines(&[line]),
            Printer::Console(console, _) => {
                console.out(line);
                Ok(())
            }
        }
    }

    /// A note about the connection, on standard error (and in the transcript).
    fn notice(&mut self, line: Line) {
        match self {
            Printer::Direct(_) => Console::stdio().err(line),
            Printer::Console(console, _) => console.err(line),
        }
    }

    /// The notice of a close by the server: on standard error when the
    /// close is normal; an abnormal one is reported as the error, so only
    /// the transcript gets the notice.
    fn close_notice(&mut self, info: &CloseInfo) {
        let line = render::close_line(info);
        match self {
            Printer::Direct(_) if info.is_normal() => Console::stdio().err(line),
            Printer::Direct(_) => {}
            Printer::Console(console, _) if info.is_normal() => console.err(line),
            Printer::Console(console, _) => console.emit(Stream::SinksOnly, line),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Printer::Direct(d) => d.write_out(),
            Printer::Console(..) => Ok(()),
        }
    }

    fn finish(&mut self, result: &Result<i32>) {
        match self {
            Printer::Console(console, _) => {
                super::record(console, result);
                console.finish();
            }
            // Everything handed over is written before the end; a write
            // that fails this late has nothing left to stop.
            Printer::Direct(d) => {
                let _ = d.out.finish();
            }
        }
    }
}

impl Direct {
    /// `--raw`: the payload as it came and a newline.
    fn raw(&mut self, payload: &[u8]) -> io::Result<()> {
        if let Ok(text) = std::str::from_utf8(payload) {
            self.buffer.push_str(text);
            self.buffer.push('\n');
            return self.written();
        }
        self.write_out()?;
        let mut chunk = Vec::with_capacity(payload.len() + 1);
        chunk.extend_from_slice(payload);
        chunk.push(b'\n');
        self.out.send(chunk, 1)
    }

    fn jsonl(&mut self, message: &WsMessage) -> io::Result<()> {
        if let Some(line) = super::jsonl::line(message, SystemTime::now()) {
            self.buffer.push_str(&line);
        }
        self.written()
    }

    fn lines(&mut self, lines: &[Line]) -> io::Result<()> {
        for line in lines {
            render::paint(line, self.colored, &mut self.buffer);
        }
        self.written()
    }

    /// After a message: hands the output over at once on a terminal or
    /// when enough is gathered.
    fn written(&mut self) -> io::Result<()> {
        self.messages += 1;
        if self.terminal || self.buffer.len() >= CHUNK {
            self.write_out()?;
        }
        Ok(())
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        // The output thread gets an exact copy (on a terminal each message
        // is a chunk of its own), and the buffer keeps its room for the
        // next, up to two chunks' worth.
        let chunk = self.buffer.as_bytes().to_vec();
        self.buffer.clear();
        self.buffer.shrink_to(CHUNK * 2);
        let messages = std::mem::take(&mut self.messages);
        self.out.send(chunk, messages)
    }
}
