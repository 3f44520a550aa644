//! Not part of the API: the pieces the project's own fuzz targets (under
//! `fuzz/`) and wire-level tests reach. Hidden from the documentation; any
//! release may change it.

use std::cell::Cell;
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::StreamExt;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::console::Console;
use crate::session::{Outcome, Session};

pub use crate::connection::deflate;
use deflate::{DeflateStream, Params, Tuning};

/// Parses `text` as a URL and the normalised form again: what is
/// accepted must come back unchanged. The broken promise as an error, for
/// the fuzz target to report.
pub fn url(text: &str) -> Result<(), String> {
    let Ok(url) = crate::connection::url::parse(text) else {
        return Ok(());
    };
    match crate::connection::url::parse(&url) {
        Ok(again) if again == url => Ok(()),
        Ok(again) => Err(format!("{text:?} normalised to {url:?}, then to {again:?}")),
        Err(e) => Err(format!(
            "{text:?} normalised to {url:?}, which is refused: {e}"
        )),
    }
}

/// Resolves `text` as a settings file and as every `WS_*` variable: an
/// error or settings, never a panic.
pub fn settings(text: &str) {
    use crate::settings::{ConfigFile, Flags, KEYS, env_name, resolve};
    let file = ConfigFile {
        path: "fuzz.toml".into(),
        text: text.to_string(),
    };
    let _ = resolve(&HashMap::new(), &[file], &Flags::default());
    for key in KEYS {
        let env = HashMap::from([(env_name(key.name), text.to_string())]);
        let _ = resolve(&env, &[], &Flags::default());
    }
}

/// Runs the session's line dispatch and argument splitting on one line.
pub fn line(line: &str) {
    crate::script::shim::fuzz_line(line);
}

/// Evaluates one line of Rhai (or a plain command) through the session's
/// dispatch, on a session without a connection whose console prints
/// nowhere. `sleep` returns at once and `connect` is refused, so a run never waits
/// or reaches the network; `--max-operations` is 100,000.
pub fn session_line(line: &str) {
    thread_local! {
        static SESSION: std::cell::RefCell<Option<Session>> = const { std::cell::RefCell::new(None) };
    }
    SESSION.with(|cell| {
        let mut cell = cell.borrow_mut();
        if cell.is_none() {
            *cell = fuzz_session();
        }
        let Some(session) = cell.as_mut() else {
            return;
        };
        if session.eval_line(line) != Outcome::Continue {
            *cell = None;
        }
    });
}

fn fuzz_session() -> Option<Session> {
    let mut session = Session::builder()
        .console(Console::silent())
        .interactive(true)
        .build()
        .ok()?;
    let engine = session.engine_mut();
    engine.set_max_operations(100_000);
    engine.register_fn("sleep", |_: rhai::INT| ());
    engine.register_fn("sleep", |_: rhai::FLOAT| ());
    let refused = || -> Result<(), Box<rhai::EvalAltResult>> { Err("no network here".into()) };
    engine.register_fn("connect", move |_: &str| refused());
    engine.register_fn("connect", move |_: &str, _: rhai::Map| refused());
    Some(session)
}

/// A client websocket on `url` that offers permessage-deflate as `ws`
/// does (its defaults: 1 KiB threshold, the client's window), for the load
/// client of the benchmarks.
pub async fn dial_compressed(
    url: &str,
) -> Result<crate::connection::WsStream, crate::error::Error> {
    let options = crate::connection::ConnectOptions::default();
    Ok(
        crate::connection::dial(&crate::connection::url::parse(url)?, &options)
            .await?
            .0,
    )
}

/// A fresh adapter of the application protocol `name` (`socketio`,
/// `graphql`, `stomp`, `jsonrpc`), without `--protocol-init`; `None` for
/// another name.
pub fn protocol(name: &str) -> Option<Box<dyn crate::protocol::Protocol>> {
    crate::protocol::by_name(name, None).ok()
}

/// Reads `data` as a peer's frames after the handshake (see `Frames` below) and
/// passes them through [`DeflateStream`] and tungstenite above it, as
/// they would arrive, until an error or the end: any error is fine; a
/// panic, or a message past the size limit, is not.
pub fn frames(data: &[u8]) {
    thread_local! {
        // `None` when the system cannot give it one: nothing is read then.
        static RUNTIME: Option<tokio::runtime::Runtime> =
            tokio::runtime::Builder::new_current_thread().build().ok();
    }
    if let Some(frames) = Frames::parse(data) {
        RUNTIME.with(|runtime| {
            if let Some(runtime) = runtime {
                runtime.block_on(frames.run());
            }
        });
    }
}

/// The input of [`frames`]: a byte for the setup, one for the limit, one
/// `n` and `n` chunk lengths (u16, little-endian), then the bytes the peer
/// sends, delivered in chunks of those lengths and the rest as one.
struct Frames<'a> {
    role: Role,
    /// What the handshake agreed; `None`: no compression.
    params: Option<Params>,
    /// The largest message, inflated or not.
    limit: usize,
    chunks: Vec<&'a [u8]>,
}

impl<'a> Frames<'a> {
    /// The setup byte's bits: 0 we are the server (else the client), 1
    /// compression, 2 and 3 server and client no_context_takeover, 4-6 the
    /// window bits less 8, which both sides name when 7 is set. The limit
    /// is (1 + its byte's low half) << its high half: 1 B to 512 KiB.
    fn parse(data: &'a [u8]) -> Option<Frames<'a>> {
        let (&[setup, size, n], rest) = data.split_first_chunk()?;
        let (lengths, mut bytes) = rest.split_at_checked(2 * usize::from(n))?;
        let mut chunks = Vec::new();
        for &length in lengths.as_chunks().0 {
            let length = usize::from(u16::from_le_bytes(length)).min(bytes.len());
            let (chunk, after) = bytes.split_at(length);
            chunks.push(chunk);
            bytes = after;
        }
        chunks.push(bytes);
        let bits = (setup & 0x80 != 0).then_some(8 + (setup >> 4 & 7));
        let params = Params {
            server_no_context_takeover: setup & 4 != 0,
            client_no_context_takeover: setup & 8 != 0,
            server_max_window_bits: bits,
            client_max_window_bits: bits,
        };
        Some(Frames {
            role: if setup & 1 == 0 {
                Role::Client
            } else {
                Role::Server
            },
            params: (setup & 2 != 0).then_some(params),
            limit: (usize::from(size & 0x0f) + 1) << (size >> 4),
            chunks,
        })
    }

    /// Sends the chunks down an in-memory pipe to our side, a
    /// [`DeflateStream`] below tungstenite configured as for a connection.
    async fn run(self) {
        let (ours, mut theirs) = tokio::io::duplex(1 << 20);
        let read = Cell::new(0);
        let mut stream = DeflateStream::new(Tally(ours, &read), self.role);
        stream.enable(self.params, self.limit, Tuning::default());
        let config = crate::connection::ws_config(self.limit);
        let ws = WebSocketStream::from_raw_socket(stream, self.role, Some(config)).await;
        let reading = read_messages(ws, self.limit);
        tokio::pin!(reading);
        tokio::select! {
            biased;
            () = &mut reading => return,
            () = send(&mut theirs, &self.chunks, &read) => {}
        }
        reading.await;
    }
}

/// The peer: writes each chunk once the one before has been read (`read`
/// counts the bytes read at the other end), then ends the stream; our
/// replies (pongs, a close) still find room in the pipe.
async fn send(pipe: &mut DuplexStream, chunks: &[&[u8]], read: &Cell<usize>) {
    let mut sent = 0;
    for chunk in chunks {
        if pipe.write_all(chunk).await.is_err() {
            return;
        }
        sent += chunk.len();
        while read.get() < sent {
            tokio::task::yield_now().await;
        }
    }
    let _ = pipe.shutdown().await;
}

/// Reads messages until an error or the end; no text or binary message
/// may pass `limit` (a close may carry tungstenite's own longer reason).
async fn read_messages<S: AsyncRead + AsyncWrite + Unpin>(
    mut ws: WebSocketStream<S>,
    limit: usize,
) {
    while let Some(Ok(message)) = ws.next().await {
        let len = message.len();
        let data = message.is_text() || message.is_binary();
        assert!(
            !data || len <= limit,
            "a message of {len} bytes passed the limit of {limit}"
        );
    }
}

/// Our end of the pipe, counting the bytes read from it.
struct Tally<'a>(DuplexStream, &'a Cell<usize>);

impl AsyncRead for Tally<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.0).poll_read(cx, buf);
        self.1.set(self.1.get() + buf.filled().len() - before);
        polled
    }
}

impl AsyncWrite for Tally<'_> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
