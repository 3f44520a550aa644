//! permessage-deflate (RFC 7692) as a layer of our own below tungstenite,
//! which has no compression: [`DeflateStream`] wraps the TCP or TLS
//! stream, and tungstenite reads and writes it as if nothing were
//! compressed. Incoming frames with RSV1 are inflated (across fragments,
//! with the peer's context kept or reset as agreed, never past
//! `max_message_size`) and handed on as plain frames; outgoing data frames
//! are deflated and marked with RSV1; control frames and everything else
//! pass untouched, so tungstenite still checks the protocol. Until
//! [`DeflateStream::enable`] says what the handshake agreed, bytes pass
//! through unchanged, and what arrives after the handshake is held back.
//! The layer also keeps the peer's close frame as it was on the wire
//! ([`DeflateStream::peer_close`]), which tungstenite rewrites when its
//! code is not a valid one.

mod close_watch;
mod codec;
mod extension;
mod frame;
mod transform;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::Role;

use super::read_ahead::ReadAhead;
use close_watch::CloseWatch;
pub use codec::InflateError;
pub use extension::{CLIENT_OFFER, Params, client_accepts, server_accepts};
use transform::Codec;

/// The header that carries extension offers and answers.
pub const HEADER: &str = "sec-websocket-extensions";

/// The largest window a client compresses with unless told otherwise:
/// zlib's largest, 32 KiB. With zlib-rs a smaller window costs time on
/// large messages (its hash table, 64 Ki entries whatever the window, is
/// walked each time the window slides: a 16 KiB JSON echo takes about a
/// third longer with 12 bits) and saves memory only one connection needs.
pub const CLIENT_WINDOW_BITS: u8 = 15;
/// The largest window a server compresses with unless told otherwise, and
/// the largest a client may use: 4 KiB, as Python `websockets` chooses
/// (see [`server_accepts`]); a compressing connection then holds about
/// 225 KiB instead of 377.
pub const SERVER_WINDOW_BITS: u8 = 12;
/// zlib's memory level for our compressor unless told otherwise, as
/// Python `websockets` chooses: about 40 KiB less per compressing
/// connection than zlib's 8, at the same speed.
pub const MEM_LEVEL: u8 = 5;

/// How much is read from the socket at once.
const READ_CHUNK: usize = 16 * 1024;
/// Output waiting for the socket beyond which writes wait.
const HIGH_WATER: usize = 256 * 1024;
/// Buffers larger than this are given back once empty.
const KEEP_CAPACITY: usize = 64 * 1024;

enum Mode {
    /// The HTTP handshake: bytes pass until the end of its head.
    Handshake,
    /// The head has passed; what follows waits for [`DeflateStream::enable`].
    Waiting,
    /// No compression was agreed: every byte passes.
    Plain,
    /// Compression was agreed.
    Deflate(Box<Codec>),
}

/// The size on the wire of each data message written on a compressed
/// connection, in order (see [`DeflateStream::log_sent_sizes`]), `None`
/// for one sent uncompressed (under the threshold): whoever asks for it
/// takes the sizes as they come, so it stays short.
#[derive(Clone, Debug, Default)]
pub struct SentSizes(std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<Option<usize>>>>);

impl SentSizes {
    fn push(&self, size: Option<usize>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(size);
    }

    /// Takes the sizes logged so far, oldest first.
    pub fn take(&self) -> std::collections::VecDeque<Option<usize>> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A byte stream that adds permessage-deflate below tungstenite.
pub struct DeflateStream<S> {
    inner: ReadAhead<S>,
    role: Role,
    mode: Mode,
    waiting: Option<Waker>,
    failed: Option<InflateError>,
    /// Follows the frames handed to tungstenite, once the handshake is done.
    watch: Option<CloseWatch>,
    /// Read from the socket, not yet handled (from `raw_at`).
    raw: Vec<u8>,
    raw_at: usize,
    /// Handled, for tungstenite to read (from `ready_at`).
    ready: Vec<u8>,
    ready_at: usize,
    /// Written by tungstenite, not yet a whole frame.
    written: Vec<u8>,
    /// Handled, for the socket (from `out_at`).
    out: Vec<u8>,
    out_at: usize,
}

/// How we compress once compression is agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// Messages smaller than this go uncompressed (a few bytes grow when
    /// compressed); 0 compresses every one.
    pub threshold: usize,
    /// The largest window we compress with: 2^bits bytes, 9 to 15 (the
    /// peer may agree to less). A server also lets clients compress with
    /// no larger a window, and names it as its own.
    pub window_bits: u8,
    /// zlib's memory level for our compressor, 1 to 9: each step doubles
    /// its buffer of pending output (zlib-rs's hash table stays 128 KiB).
    pub mem_level: u8,
}

impl Default for Tuning {
    /// zlib's defaults, every message compressed.
    fn default() -> Self {
        Tuning {
            threshold: 0,
            window_bits: 15,
            mem_level: 8,
        }
    }
}

impl<S> DeflateStream<S> {
    /// Wraps a stream before the websocket handshake.
    pub fn new(inner: S, role: Role) -> Self {
        Self {
            inner: ReadAhead::new(inner),
            role,
            mode: Mode::Handshake,
            waiting: None,
            failed: None,
            watch: None,
            raw: Vec::new(),
            raw_at: 0,
            ready: Vec::new(),
            ready_at: 0,
            written: Vec::new(),
            out: Vec::new(),
            out_at: 0,
        }
    }

    /// Starts the agreed compression (`None`: none) once the handshake is
    /// done, compressing as `tuning` says; `limit` is the largest inflated
    /// message accepted.
    pub fn enable(&mut self, params: Option<Params>, limit: usize, tuning: Tuning) {
        self.mode = match params {
            None => Mode::Plain,
            Some(params) => Mode::Deflate(Box::new(Codec::new(self.role, params, limit, tuning))),
        };
        self.watch = Some(CloseWatch::default());
        if let Some(waker) = self.waiting.take() {
            waker.wake();
        }
    }

    /// Logs, from now on, the size on the wire of every data message
    /// written (nothing before compression is enabled, or without it); the
    /// caller takes them.
    pub fn log_sent_sizes(&mut self) -> SentSizes {
        let sent = SentSizes::default();
        if let Mode::Deflate(codec) = &mut self.mode {
            codec.sent = Some(sent.clone());
        }
        sent
    }

    /// The code and reason of the peer's close frame as they were on the
    /// wire, once one has arrived with a code.
    pub fn peer_close(&self) -> Option<(u16, String)> {
        self.watch.as_ref()?.close()
    }
}

/// Empties a buffer whose content is used up, giving back a large capacity.
fn recycle(buffer: &mut Vec<u8>, used: usize) {
    buffer.drain(..used);
    if buffer.is_empty() && buffer.capacity() > KEEP_CAPACITY {
        *buffer = Vec::new();
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> DeflateStream<S> {
    /// Reads more from the socket into `raw`; `Ok(0)` at its end.
    fn fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        // What is left is the start of a frame: it moves to the front.
        self.raw.drain(..std::mem::take(&mut self.raw_at));
        let len = self.raw.len();
        self.raw.resize(len + READ_CHUNK, 0);
        let mut buf = ReadBuf::new(&mut self.raw[len..]);
        let polled = Pin::new(&mut self.inner).poll_read(cx, &mut buf);
        let n = buf.filled().len();
        self.raw.truncate(len + n);
        if polled.is_pending() && self.raw.is_empty() {
            self.rest();
        }
        ready!(polled)?;
        Poll::Ready(Ok(n))
    }

    /// Handles what `raw` holds for the current mode; `true` when something
    /// is ready for tungstenite (or the mode changed).
    fn handle(&mut self) -> bool {
        match &mut self.mode {
            Mode::Handshake => {
                let Some(end) = self.raw.windows(4).position(|w| w == b"\r\n\r\n") else {
                    // No head this long: it passes, for tungstenite to refuse.
                    if self.raw.len() <= KEEP_CAPACITY {
                        return false;
                    }
                    self.mode = Mode::Plain;
                    return true;
                };
                let head = &self.raw[..end];
                if self.role == Role::Client && head.get(9..12) != Some(b"101") {
                    // A refused handshake passes with its body, which belongs
                    // to the error tungstenite reports.
                    self.mode = Mode::Plain;
                } else {
                    self.ready.extend(self.raw.drain(..end + 4));
                    self.mode = Mode::Waiting;
                }
                true
            }
            Mode::Waiting => false,
            Mode::Plain => {
                std::mem::swap(&mut self.ready, &mut self.raw);
                self.ready_at = 0;
                !self.ready.is_empty()
            }
            Mode::Deflate(codec) => {
                match codec.incoming(&mut self.raw[self.raw_at..], &mut self.ready) {
                    Ok(handled) => {
                        self.raw_at += handled.used;
                        self.ready_at = handled.skip;
                        if self.raw_at == self.raw.len() {
                            recycle(&mut self.raw, std::mem::take(&mut self.raw_at));
                        }
                        handled.used > 0
                    }
                    Err(e) => {
                        self.failed = Some(e);
                        true
                    }
                }
            }
        }
    }

    /// Gives back the buffers that hold nothing while the peer is quiet
    /// between frames: an idle connection keeps none of them.
    fn rest(&mut self) {
        if self.ready_at == self.ready.len() {
            (self.raw, self.ready, self.ready_at) = (Vec::new(), Vec::new(), 0);
        }
        if self.out_at == self.out.len() && self.written.is_empty() {
            (self.out, self.written, self.out_at) = (Vec::new(), Vec::new(), 0);
        }
        if let Mode::Deflate(codec) = &mut self.mode {
            codec.rest();
        }
    }

    /// Writes `out` to the socket.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.out_at < self.out.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out[self.out_at..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out_at += n;
        }
        recycle(&mut self.out, std::mem::take(&mut self.out_at));
        Poll::Ready(Ok(()))
    }

    /// Hands tungstenite what it may read: the handshake as it is, then
    /// frames (inflated when compression was agreed).
    fn read_frames(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        loop {
            if self.ready_at < self.ready.len() {
                let n = buf.remaining().min(self.ready.len() - self.ready_at);
                buf.put_slice(&self.ready[self.ready_at..self.ready_at + n]);
                self.ready_at += n;
                if self.ready_at == self.ready.len() {
                    recycle(&mut self.ready, std::mem::take(&mut self.ready_at));
                }
                return Poll::Ready(Ok(()));
            }
            if let Some(error) = self.failed.clone() {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
            }
            if matches!(self.mode, Mode::Plain) && self.raw.is_empty() {
                // Without compression the buffers of the handshake are not
                // needed again: an idle connection does not keep them (let
                // go once, not on every read).
                if self.raw.capacity() + self.ready.capacity() > 0 {
                    (self.raw, self.ready, self.ready_at) = (Vec::new(), Vec::new(), 0);
                }
                return Pin::new(&mut self.inner).poll_read(cx, buf);
            }
            if matches!(self.mode, Mode::Waiting) {
                self.waiting = Some(cx.waker().clone());
                return Poll::Pending;
            }
            if self.handle() {
                continue;
            }
            if ready!(self.fill(cx))? == 0 {
                // The end: what is left passes as it is, then the end.
                if self.raw.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                std::mem::swap(&mut self.ready, &mut self.raw);
                self.raw.clear();
                self.ready_at = 0;
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for DeflateStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = this.read_frames(cx, buf);
        if let Some(watch) = &mut this.watch {
            watch.feed(&buf.filled()[before..]);
        }
        polled
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for DeflateStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // Only a compressing stream has output of its own waiting.
        if this.out.len() - this.out_at >= HIGH_WATER {
            ready!(this.drain(cx))?;
        }
        let Mode::Deflate(codec) = &mut this.mode else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        if this.written.is_empty() {
            // Whole frames, as tungstenite writes them, need no copy.
            let used = codec.outgoing(buf, &mut this.out);
            this.written.extend_from_slice(&buf[used..]);
        } else {
            this.written.extend_from_slice(buf);
            let used = codec.outgoing(&this.written, &mut this.out);
            recycle(&mut this.written, used);
        }
        if let Poll::Ready(Err(e)) = this.drain(cx) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

/// The server's side of the negotiation: the client's offers in `request`,
/// our answer added to `response`, and what was agreed.
pub fn answer(request: &Request, response: &mut Response, window_bits: u8) -> Option<Params> {
    let agreed = server_accepts(&header_values(request.headers()), window_bits)?;
    let value = HeaderValue::from_str(&agreed.to_string()).ok()?;
    response.headers_mut().insert(HEADER, value);
    Some(agreed)
}

/// The values of the extension headers among `headers` (those that are
/// text), as [`client_accepts`] and [`server_accepts`] read them.
pub fn header_values(headers: &HeaderMap) -> Vec<&str> {
    let values = headers.get_all(HEADER).iter();
    values.filter_map(|v| v.to_str().ok()).collect()
}

/// The reason a read failed because of compression, if it did.
pub fn inflate_error(error: &io::Error) -> Option<&InflateError> {
    error.get_ref()?.downcast_ref::<InflateError>()
}

#[cfg(test)]
mod tests;
