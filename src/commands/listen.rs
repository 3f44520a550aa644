//! `ws listen`: prints every message a server sends, with its kind and
//! time, until the server closes (status 0 for 1000 and 1001, 1 otherwise),
//! `-d` seconds pass or `-n` messages came (we close with 1000, status 0),
//! or Ctrl+C or SIGTERM (we close with 1001, status 130). `--preamble FILE`
//! sends its lines after every connection; with `--reconnect` the client
//! core opens a new connection after an abnormal end and the lines go on to
//! the same output.
//!
//! It drives the client core in its own loop and keeps up with a fast
//! server: lines are rendered straight into one buffer (see
//! [`render::write_text`]) and written when the socket has nothing more
//! ready, or at once per message when standard output is a terminal.
//! Nothing is dropped: a reader that stops taking the output stops the
//! reads too (TCP then slows the server). With `-f` every line also goes
//! to the transcripts. Notices go to standard error, leaving standard
//! output to the messages.

use std::io::{self, IsTerminal, Write};
use std::time::SystemTime;

use futures_util::FutureExt;

use super::client;
use crate::cancel::{deadline, until};
use crate::cli::{ListenArgs, Verbosity};
use crate::connection::{CloseInfo, Closer, Event, Message, url};
use crate::console::render::{self, Clock};
use crate::console::{Console, Line, Stream};
use crate::error::{Error, Result};
use crate::runtime::runtime;

/// Bytes gathered before a write even while the socket has more ready.
const CHUNK: usize = 64 * 1024;

pub(crate) fn run(args: ListenArgs) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let width = args.terminal_width.as_deref();
    let (settings, options) = super::client_settings(&args.connect, Some(&args.stay), &[], width)?;
    let core = client::settings(&settings, options, "ws listen", args.shown.verbose)?;
    let duration = client::duration(args.duration)?;
    let console = Console::stdio();
    super::attach_transcript(&console, &args.file, &settings)?;
    let mut printer = Printer::new(&args, console);
    let result = runtime()?.block_on(async {
        let (mut client, mut stop) =
            client::connect(&url, core, &printer.console, printer.shown.quiet).await?;
        let elapsed = until(deadline(duration));
        tokio::pin!(elapsed);
        loop {
            // Everything ready is printed before anything is awaited.
            while let Some(event) = client.next().now_or_never() {
                match printer.event(event) {
                    Ok(None) => {}
                    Ok(Some(info)) => return printer.ended(&info),
                    Err(e) => return client::leave(&mut client, Some(e)).await,
                }
                if printer.has_enough() {
                    break;
                }
            }
            if let Err(e) = printer.flush() {
                return client::leave(&mut client, Some(e)).await;
            }
            if printer.has_enough() {
                let info = client.close_and_wait(1000, "").await;
                return printer.closed(&info);
            }
            let event = tokio::select! {
                biased;
                () = &mut stop => return client::leave(&mut client, None).await,
                () = &mut elapsed => {
                    let info = client.close_and_wait(1000, "").await;
                    return printer.closed(&info);
                }
                event = client.next() => event,
            };
            match printer.event(event) {
                Ok(None) => {}
                Ok(Some(info)) => return printer.ended(&info),
                Err(e) => return client::leave(&mut client, Some(e)).await,
            }
        }
    });
    printer.finish(&result);
    result
}

/// Standard output through one buffer, and the transcripts (`-f`).
struct Printer {
    buffer: String,
    clock: Clock,
    /// `--raw`: payloads byte for byte, without headers or escaping.
    raw: bool,
    json: bool,
    /// One JSON object a line (`--jsonl`).
    jsonl: bool,
    colored: bool,
    terminal: bool,
    /// Notices on standard error, and every line in the transcripts.
    console: Console,
    transcripts: bool,
    shown: Verbosity,
    /// `-n`: how many messages to print before closing.
    count: Option<u64>,
    received: u64,
}

impl Printer {
    fn new(args: &ListenArgs, console: Console) -> Printer {
        let terminal = io::stdout().is_terminal();
        Printer {
            buffer: String::with_capacity(CHUNK * 2),
            clock: Clock::default(),
            raw: args.raw,
            json: args.json,
            jsonl: args.jsonl,
            colored: render::colour_wanted(terminal),
            terminal,
            console,
            transcripts: !args.file.is_empty(),
            shown: args.shown,
            count: args.count,
            received: 0,
        }
    }

    /// Whether `-n` messages have been printed.
    fn has_enough(&self) -> bool {
        self.count.is_some_and(|count| self.received >= count)
    }

    /// Shows an event; the end of the connection, when it is one.
    fn event(&mut self, event: Event) -> io::Result<Option<CloseInfo>> {
        if let Some(line) = render::notice(&event) {
            self.notice(line);
        }
        match event {
            Event::Message(message) | Event::Malformed { message, .. } => self.message(&message)?,
            Event::Ping(payload) => self.control("ping", &payload)?,
            Event::Pong(payload) => self.control("pong", &payload)?,
            Event::Closed(info) => return Ok(Some(info)),
            Event::Keepalive(_)
            | Event::Frame { .. }
            | Event::Reconnecting(_)
            | Event::Reconnected(_) => {}
        }
        Ok(None)
    }

    fn message(&mut self, message: &Message) -> io::Result<()> {
        if self.has_enough() {
            // Past `-n`, while the close is on its way.
            return Ok(());
        }
        self.received += 1;
        if self.transcripts {
            let lines = render::message_lines(message, SystemTime::now(), self.json);
            self.console.emit_all(Stream::SinksOnly, lines);
        }
        if self.raw {
            return self.raw(&message.payload());
        }
        if self.jsonl {
            let line = super::jsonl::message_line(message, SystemTime::now());
            self.buffer.push_str(&line);
            return self.written();
        }
        let clock = self.clock.at(SystemTime::now());
        match message {
            Message::Text(text) => {
                render::write_text(&mut self.buffer, text, clock, self.json, self.colored);
            }
            Message::Binary(_) | Message::Decoded(_) => {
                for line in render::message_lines_at(message, clock, self.json) {
                    render::paint(&line, self.colored, &mut self.buffer);
                }
            }
        }
        self.written()
    }

    /// A ping or pong: shown with `-v` only.
    fn control(&mut self, kind: &'static str, payload: &[u8]) -> io::Result<()> {
        if !self.shown.verbose {
            return Ok(());
        }
        let line = render::control_line(kind, payload, SystemTime::now());
        if self.transcripts {
            self.console.emit(Stream::SinksOnly, line.clone());
        }
        if self.raw {
            return Ok(());
        }
        if self.jsonl {
            let line = super::jsonl::control_line(kind, payload, SystemTime::now());
            self.buffer.push_str(&line);
            return self.written();
        }
        render::paint(&line, self.colored, &mut self.buffer);
        self.written()
    }

    /// `--raw`: the payload as it came and a newline.
    fn raw(&mut self, payload: &[u8]) -> io::Result<()> {
        if let Ok(text) = std::str::from_utf8(payload) {
            self.buffer.push_str(text);
            self.buffer.push('\n');
            return self.written();
        }
        self.flush()?;
        let mut out = io::stdout().lock();
        out.write_all(payload)?;
        out.write_all(b"\n")?;
        if self.terminal {
            out.flush()?;
        }
        Ok(())
    }

    /// After a message: writes at once on a terminal or when enough is
    /// gathered.
    fn written(&mut self) -> io::Result<()> {
        if self.terminal || self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        out.write_all(self.buffer.as_bytes())?;
        out.flush()?;
        self.buffer.clear();
        self.buffer.shrink_to(CHUNK * 2);
        Ok(())
    }

    /// A note about the connection, on standard error (and in the transcript).
    fn notice(&self, line: Line) {
        client::notice(&self.console, line, self.shown.quiet);
    }

    /// The end by the server: its notice when normal (on standard error
    /// unless `-q`, and in the transcripts; an abnormal one is reported as
    /// the error, which the transcripts get too), and the status.
    fn ended(&mut self, info: &CloseInfo) -> Result<i32> {
        if self.jsonl && self.shown.verbose {
            let line = super::jsonl::close_line(info, SystemTime::now());
            self.buffer.push_str(&line);
        }
        let flushed = self.flush();
        if info.by != Closer::Dropped && info.is_normal() {
            self.notice(render::close_line(info));
        }
        client::outcome(info)?;
        match flushed {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                Err(Error::io("cannot write the output", e))
            }
            _ => Ok(0),
        }
    }

    /// The end of a close we started (`-d`, `-n`).
    fn closed(&mut self, info: &CloseInfo) -> Result<i32> {
        self.flush()
            .map_err(|e| Error::io("cannot write the output", e))?;
        client::closed(&self.console, info, self.shown.quiet).map(|()| 0)
    }

    fn finish(&mut self, result: &Result<i32>) {
        // A write that fails this late has nothing left to stop.
        let _ = self.flush();
        super::record(&self.console, result);
        self.console.finish();
    }
}
