//! `ws listen`: prints every message a server sends, with its kind and
//! time, until the server closes (status 0 for 1000 and 1001, 1 otherwise),
//! `-d` seconds pass (we close with 1000, status 0), or Ctrl+C or SIGTERM
//! (we close with 1001, status 130).
//!
//! It keeps up with a fast server: lines are rendered straight into one
//! buffer (see [`render::write_text`]) and written when the socket has
//! nothing more ready, or at once per message when standard output is a
//! terminal. With `-f` every line goes through the [`Console`] instead, so
//! the transcript gets it too. The close notice goes to standard error,
//! leaving standard output to the messages.

use std::io::{self, IsTerminal, StdoutLock, Write};
use std::time::SystemTime;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as WsMessage};

use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::wire;
use crate::cli::ListenArgs;
use crate::connection::{
    CloseInfo, Message, WsStream, close_handshake, describe, dial, refuse, url,
};
use crate::console::render::{self, Clock};
use crate::console::{Console, Line, Stream};
use crate::error::{Error, Result};
use crate::runtime::runtime;

/// Bytes gathered before a write even while the socket has more ready.
const CHUNK: usize = 64 * 1024;

/// Why listening stopped.
enum End {
    /// The server sent its close frame (we answered it).
    Peer(CloseInfo),
    /// The connection broke.
    Broken(WsError),
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
    let mut printer = match &args.file {
        None => Printer::direct(args.json, args.raw),
        Some(path) => {
            let console = Console::stdio();
            super::attach_transcript(&console, Some(path), &settings)?;
            Printer::Console(console, args.json)
        }
    };
    let linger = settings.disconnect_timeout;
    let result = runtime().block_on(async {
        let stop = wire::stop_signal()?;
        let (mut ws, _) = dial(&url, &options).await?;
        let end = tokio::select! {
            end = receive(&mut ws, &mut printer) => end,
            () = stop => End::Interrupted,
            () = wire::sleep_for(duration) => End::Elapsed,
        };
        let end = match printer.flush() {
            Err(e) if !matches!(end, End::Output(_)) => End::Output(e),
            _ => end,
        };
        finish(&mut ws, end, &mut printer, linger).await
    });
    printer.finish();
    result
}

/// Prints what arrives until the connection ends or output fails.
async fn receive(ws: &mut WsStream, printer: &mut Printer) -> End {
    loop {
        let item = match ws.next().now_or_never() {
            Some(item) => item,
            None => {
                if let Err(e) = printer.flush() {
                    return End::Output(e);
                }
                ws.next().await
            }
        };
        let shown = match item {
            Some(Ok(WsMessage::Text(text))) => printer.text(text.as_str()),
            Some(Ok(WsMessage::Binary(bytes))) => printer.binary(&bytes),
            Some(Ok(WsMessage::Ping(payload))) => printer.control("ping", &payload),
            Some(Ok(WsMessage::Pong(payload))) => printer.control("pong", &payload),
            Some(Ok(WsMessage::Frame(_))) => Ok(()),
            Some(Ok(WsMessage::Close(frame))) => {
                // Our answer is queued; send it before going.
                let _ = ws.flush().await;
                return End::Peer(CloseInfo::from_peer(frame));
            }
            Some(Err(e)) => return End::Broken(e),
            None => return End::Broken(WsError::ConnectionClosed),
        };
        if let Err(e) = shown {
            return End::Output(e);
        }
    }
}

/// Completes the close handshake as the end asks and gives the status.
async fn finish(
    ws: &mut WsStream,
    end: End,
    printer: &mut Printer,
    linger: std::time::Duration,
) -> Result<i32> {
    match end {
        End::Peer(info) => {
            printer.close_notice(&info);
            wire::outcome(&info).map(|()| 0)
        }
        End::Broken(error) => {
            refuse(ws, &error).await;
            Err(Error::Connection(describe(&error)))
        }
        End::Elapsed => {
            close_handshake(ws, CloseCode::Normal, linger).await;
            Ok(0)
        }
        End::Interrupted => {
            close_handshake(ws, CloseCode::Away, linger).await;
            Err(Error::Interrupted)
        }
        End::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            close_handshake(ws, CloseCode::Away, linger).await;
            Ok(0)
        }
        End::Output(e) => {
            close_handshake(ws, CloseCode::Away, linger).await;
            Err(Error::io("cannot write the output", e))
        }
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
    out: StdoutLock<'static>,
    /// `--raw`: payloads byte for byte, without headers or escaping.
    raw: bool,
    buffer: String,
    clock: Clock,
    json: bool,
    colored: bool,
    terminal: bool,
}

impl Printer {
    fn direct(json: bool, raw: bool) -> Printer {
        let out = io::stdout();
        let terminal = out.is_terminal();
        let colored = render::colour_wanted(terminal);
        Printer::Direct(Direct {
            out: out.lock(),
            raw,
            buffer: String::with_capacity(CHUNK * 2),
            clock: Clock::new(),
            json,
            colored,
            terminal,
        })
    }

    fn text(&mut self, text: &str) -> io::Result<()> {
        match self {
            Printer::Direct(d) if d.raw => d.raw(text.as_bytes()),
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

    fn control(&mut self, kind: &str, payload: &[u8]) -> io::Result<()> {
        let line = render::control_line(kind, payload, SystemTime::now());
        match self {
            Printer::Direct(d) if d.raw => Ok(()),
            Printer::Direct(d) => d.lines(&[line]),
            Printer::Console(console, _) => {
                console.out(line);
                Ok(())
            }
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

    fn finish(&mut self) {
        if let Printer::Console(console, _) = self {
            console.finish();
        }
    }
}

impl Direct {
    /// `--raw`: the payload as it came and a newline.
    fn raw(&mut self, payload: &[u8]) -> io::Result<()> {
        self.write_out()?;
        self.out.write_all(payload)?;
        self.out.write_all(b"\n")?;
        if self.terminal {
            self.out.flush()?;
        }
        Ok(())
    }

    fn lines(&mut self, lines: &[Line]) -> io::Result<()> {
        for line in lines {
            render::paint(line, self.colored, &mut self.buffer);
        }
        self.written()
    }

    /// After a message: writes at once on a terminal or when enough is
    /// gathered.
    fn written(&mut self) -> io::Result<()> {
        if self.terminal || self.buffer.len() >= CHUNK {
            self.write_out()?;
        }
        Ok(())
    }

    fn write_out(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let result = self
            .out
            .write_all(self.buffer.as_bytes())
            .and_then(|()| self.out.flush());
        self.buffer.clear();
        result
    }
}
