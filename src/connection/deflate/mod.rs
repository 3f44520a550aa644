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
//! ([`WireClose`]), which tungstenite rewrites when its
//! code is not a valid one.

mod close_watch;
mod codec;
mod extension;
mod frame;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;

use close_watch::CloseWatch;
pub use codec::InflateError;
use codec::{Deflater, Inflater};
pub use extension::{CLIENT_OFFER, Params, client_accepts, server_accepts};
use frame::{Header, RSV1, apply_mask, write_header};

/// The header that carries extension offers and answers.
pub const HEADER: &str = "sec-websocket-extensions";

/// Which end of the connection we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// We opened the connection.
    Client,
    /// We accepted it.
    Server,
}

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

/// Both directions' state once compression is agreed.
struct Codec {
    limit: usize,
    inflater: Inflater,
    /// The incoming message being inflated, if any; its inflated size so far.
    inflating: Option<usize>,
    /// Bytes of an incoming frame still to pass as they are.
    read_skip: u64,
    /// `None` when the agreed window is too small for our compressor
    /// (8 bits): messages are then sent uncompressed, as RFC 7692 allows.
    deflater: Option<Deflater>,
    /// Whether the outgoing message in progress is being compressed.
    deflating: bool,
    /// Bytes of an outgoing frame still to pass as they are.
    write_skip: u64,
    /// Payload bytes on the wire of the outgoing data message so far.
    message_out: usize,
    /// Where the wire size of each whole data message goes, if asked.
    sent: Option<SentSizes>,
}

/// The size on the wire of each data message written on a compressed
/// connection, in order (see [`DeflateStream::log_sent_sizes`]): whoever
/// asks for it takes the sizes as they come, so it stays short.
#[derive(Clone, Debug, Default)]
pub struct SentSizes(std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<usize>>>);

impl SentSizes {
    fn push(&self, size: usize) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(size);
    }

    /// Takes the sizes logged so far, oldest first.
    pub fn take(&self) -> std::collections::VecDeque<usize> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A byte stream that adds permessage-deflate below tungstenite.
pub struct DeflateStream<S> {
    inner: S,
    side: Side,
    mode: Mode,
    waiting: Option<Waker>,
    failed: Option<InflateError>,
    /// Follows the frames handed to tungstenite, once the handshake is done.
    watch: Option<CloseWatch>,
    /// Read from the socket, not yet handled.
    raw: Vec<u8>,
    /// Handled, for tungstenite to read (from `ready_at`).
    ready: Vec<u8>,
    ready_at: usize,
    /// Written by tungstenite, not yet a whole frame.
    written: Vec<u8>,
    /// Handled, for the socket (from `out_at`).
    out: Vec<u8>,
    out_at: usize,
    sent: Option<SentSizes>,
}

impl<S> DeflateStream<S> {
    /// Wraps a stream before the websocket handshake.
    pub fn new(inner: S, side: Side) -> Self {
        Self {
            inner,
            side,
            mode: Mode::Handshake,
            waiting: None,
            failed: None,
            watch: None,
            raw: Vec::new(),
            ready: Vec::new(),
            ready_at: 0,
            written: Vec::new(),
            out: Vec::new(),
            out_at: 0,
            sent: None,
        }
    }

    /// Starts the agreed compression (`None`: none) once the handshake is
    /// done; `limit` is the largest inflated message accepted.
    pub fn enable(&mut self, params: Option<Params>, limit: usize) {
        self.mode = match params {
            None => Mode::Plain,
            Some(params) => {
                let mut codec = Codec::new(self.side, params, limit);
                codec.sent = self.sent.clone();
                Mode::Deflate(Box::new(codec))
            }
        };
        self.watch = Some(CloseWatch::default());
        if let Some(waker) = self.waiting.take() {
            waker.wake();
        }
    }

    /// Logs the size on the wire of every data message written once
    /// compression is on (nothing without it); the caller takes them.
    pub fn log_sent_sizes(&mut self) -> SentSizes {
        let sent = self.sent.get_or_insert_with(SentSizes::default).clone();
        if let Mode::Deflate(codec) = &mut self.mode {
            codec.sent = Some(sent.clone());
        }
        sent
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

/// A stream that saw the peer's close frame as it was on the wire.
pub trait WireClose {
    /// The code and reason of the peer's close frame as they were on the
    /// wire, once one has arrived with a code.
    fn peer_close(&self) -> Option<(u16, String)>;
}

impl<S> WireClose for DeflateStream<S> {
    fn peer_close(&self) -> Option<(u16, String)> {
        let watch = self.watch.as_ref()?;
        Some((watch.code()?, watch.reason().unwrap_or_default()))
    }
}

impl Codec {
    fn new(side: Side, params: Params, limit: usize) -> Codec {
        let (ours, theirs) = match side {
            Side::Client => (
                (
                    params.client_max_window_bits,
                    params.client_no_context_takeover,
                ),
                (
                    params.server_max_window_bits,
                    params.server_no_context_takeover,
                ),
            ),
            Side::Server => (
                (
                    params.server_max_window_bits,
                    params.server_no_context_takeover,
                ),
                (
                    params.client_max_window_bits,
                    params.client_no_context_takeover,
                ),
            ),
        };
        let our_bits = ours.0.unwrap_or(15);
        Codec {
            limit,
            inflater: Inflater::new(theirs.0.unwrap_or(15), theirs.1),
            inflating: None,
            read_skip: 0,
            deflater: (our_bits > 8).then(|| Deflater::new(our_bits, ours.1)),
            deflating: false,
            write_skip: 0,
            message_out: 0,
            sent: None,
        }
    }

    /// Moves the whole frames at the start of `raw` into `ready`, inflated;
    /// returns how many bytes of `raw` were used.
    fn incoming(&mut self, raw: &mut [u8], ready: &mut Vec<u8>) -> Result<usize, InflateError> {
        let mut at = 0;
        loop {
            if self.read_skip > 0 {
                let n = (raw.len() - at).min(self.read_skip as usize);
                ready.extend_from_slice(&raw[at..at + n]);
                (at, self.read_skip) = (at + n, self.read_skip - n as u64);
                if self.read_skip > 0 {
                    return Ok(at);
                }
            }
            let Some(header) = Header::parse(&raw[at..]) else {
                return Ok(at);
            };
            if !self.is_compressed(&header) {
                ready.extend_from_slice(&raw[at..at + header.header_len]);
                at += header.header_len;
                self.read_skip = header.payload_len;
                continue;
            }
            let so_far = self.inflating.unwrap_or(0);
            if header.payload_len > self.limit as u64 {
                return Err(InflateError::TooBig {
                    max_size: self.limit,
                });
            }
            let end = at + header.header_len + header.payload_len as usize;
            if raw.len() < end {
                return Ok(at);
            }
            let payload = &mut raw[at + header.header_len..end];
            if let Some(mask) = header.mask {
                apply_mask(payload, mask);
            }
            let mut inflated = Vec::new();
            let last = header.is_final();
            self.inflater
                .inflate(payload, last, &mut inflated, self.limit - so_far)?;
            self.inflating = (!last).then_some(so_far + inflated.len());
            // A zero mask keeps a client's frame masked, as tungstenite
            // wants it, at no cost.
            let mask = header.mask.map(|_| [0; 4]);
            write_header(ready, header.first & !RSV1, mask, inflated.len());
            ready.extend_from_slice(&inflated);
            at = end;
        }
    }

    /// Whether an incoming frame carries compressed data; notes the start
    /// and end of messages.
    fn is_compressed(&mut self, header: &Header) -> bool {
        if header.starts_message() {
            self.inflating = header.rsv1().then_some(0);
        }
        header.starts_message() && header.rsv1()
            || header.continues_message() && !header.rsv1() && self.inflating.is_some()
    }

    /// Moves the whole frames at the start of `written` into `out`,
    /// deflated; returns how many bytes of `written` were used.
    fn outgoing(&mut self, written: &[u8], out: &mut Vec<u8>) -> usize {
        let mut at = 0;
        loop {
            if self.write_skip > 0 {
                let n = (written.len() - at).min(self.write_skip as usize);
                out.extend_from_slice(&written[at..at + n]);
                (at, self.write_skip) = (at + n, self.write_skip - n as u64);
                if self.write_skip > 0 {
                    return at;
                }
            }
            let Some(header) = Header::parse(&written[at..]) else {
                return at;
            };
            if header.starts_message() {
                self.deflating = self.deflater.is_some();
            }
            let data = header.starts_message() || header.continues_message();
            let compress = self.deflating && data;
            if !compress {
                if data {
                    self.count_out(header.payload_len as usize, header.is_final());
                }
                out.extend_from_slice(&written[at..at + header.header_len]);
                at += header.header_len;
                self.write_skip = header.payload_len;
                continue;
            }
            let end = at + header.header_len + header.payload_len as usize;
            if written.len() < end {
                return at;
            }
            let mut payload = written[at + header.header_len..end].to_vec();
            if let Some(mask) = header.mask {
                apply_mask(&mut payload, mask);
            }
            let mut compressed = Vec::new();
            let deflater = self
                .deflater
                .as_mut()
                .expect("deflating implies a deflater");
            deflater.deflate(&payload, header.is_final(), &mut compressed);
            if let Some(mask) = header.mask {
                apply_mask(&mut compressed, mask);
            }
            let first = match header.starts_message() {
                true => header.first | RSV1,
                false => header.first,
            };
            write_header(out, first, header.mask, compressed.len());
            out.extend_from_slice(&compressed);
            self.count_out(compressed.len(), header.is_final());
            at = end;
        }
    }

    /// Counts payload bytes of the outgoing data message; its total is
    /// logged with its last frame.
    fn count_out(&mut self, bytes: usize, last: bool) {
        self.message_out += bytes;
        if last && let Some(sent) = &self.sent {
            sent.push(std::mem::take(&mut self.message_out));
        } else if last {
            self.message_out = 0;
        }
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
        let len = self.raw.len();
        self.raw.resize(len + READ_CHUNK, 0);
        let mut buf = ReadBuf::new(&mut self.raw[len..]);
        let polled = Pin::new(&mut self.inner).poll_read(cx, &mut buf);
        let n = buf.filled().len();
        self.raw.truncate(len + n);
        ready!(polled)?;
        Poll::Ready(Ok(n))
    }

    /// Handles what `raw` holds for the current mode; `true` when something
    /// is ready for tungstenite (or the mode changed).
    fn handle(&mut self) -> bool {
        match &mut self.mode {
            Mode::Handshake => {
                let Some(end) = self.raw.windows(4).position(|w| w == b"\r\n\r\n") else {
                    // No head this long: let tungstenite refuse it.
                    if self.raw.len() > KEEP_CAPACITY {
                        std::mem::swap(&mut self.ready, &mut self.raw);
                        self.mode = Mode::Plain;
                        return true;
                    }
                    return false;
                };
                let head = &self.raw[..end];
                // A refused handshake's body belongs to the error tungstenite reports.
                let switching = self.side == Side::Server || head.get(9..12) == Some(b"101");
                let pass = if switching { end + 4 } else { self.raw.len() };
                self.ready.extend(self.raw.drain(..pass));
                self.mode = if switching {
                    Mode::Waiting
                } else {
                    Mode::Plain
                };
                true
            }
            Mode::Waiting => false,
            Mode::Plain => {
                std::mem::swap(&mut self.ready, &mut self.raw);
                self.ready_at = 0;
                !self.ready.is_empty()
            }
            Mode::Deflate(codec) => match codec.incoming(&mut self.raw, &mut self.ready) {
                Ok(used) => {
                    recycle(&mut self.raw, used);
                    used > 0
                }
                Err(e) => {
                    self.failed = Some(e);
                    true
                }
            },
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
        let used = std::mem::take(&mut self.out_at);
        recycle(&mut self.out, used);
        Poll::Ready(Ok(()))
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

impl<S: AsyncRead + AsyncWrite + Unpin> DeflateStream<S> {
    /// Hands tungstenite what it may read: the handshake as it is, then
    /// frames (inflated when compression was agreed).
    fn read_frames(&mut self, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self;
        loop {
            if this.ready_at < this.ready.len() {
                let n = buf.remaining().min(this.ready.len() - this.ready_at);
                buf.put_slice(&this.ready[this.ready_at..this.ready_at + n]);
                this.ready_at += n;
                if this.ready_at == this.ready.len() {
                    let used = std::mem::take(&mut this.ready_at);
                    recycle(&mut this.ready, used);
                }
                return Poll::Ready(Ok(()));
            }
            if let Some(error) = this.failed.clone() {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, error)));
            }
            if matches!(this.mode, Mode::Plain) && this.raw.is_empty() {
                // Without compression the buffers of the handshake are not
                // needed again: an idle connection does not keep them.
                if this.raw.capacity() + this.ready.capacity() > 0 {
                    (this.raw, this.ready, this.ready_at) = (Vec::new(), Vec::new(), 0);
                }
                return Pin::new(&mut this.inner).poll_read(cx, buf);
            }
            if matches!(this.mode, Mode::Waiting) {
                this.waiting = Some(cx.waker().clone());
                return Poll::Pending;
            }
            if this.handle() {
                continue;
            }
            if ready!(this.fill(cx))? == 0 {
                // The end: what is left passes as it is, then the end.
                if this.raw.is_empty() {
                    return Poll::Ready(Ok(()));
                }
                std::mem::swap(&mut this.ready, &mut this.raw);
                this.raw.clear();
                this.ready_at = 0;
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for DeflateStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !matches!(this.mode, Mode::Deflate(_)) {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        if this.out.len() - this.out_at >= HIGH_WATER {
            ready!(this.drain(cx))?;
        }
        let Mode::Deflate(codec) = &mut this.mode else {
            unreachable!("checked above");
        };
        this.written.extend_from_slice(buf);
        let used = codec.outgoing(&this.written, &mut this.out);
        recycle(&mut this.written, used);
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
pub fn answer(request: &Request, response: &mut Response) -> Option<Params> {
    let offers: Vec<&str> = request
        .headers()
        .get_all(HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let agreed = server_accepts(&offers)?;
    let value = HeaderValue::from_str(&agreed.to_string()).ok()?;
    response.headers_mut().insert(HEADER, value);
    Some(agreed)
}

/// The reason a read failed because of compression, if it did.
pub fn inflate_error(error: &io::Error) -> Option<&InflateError> {
    error.get_ref()?.downcast_ref::<InflateError>()
}

#[cfg(test)]
mod tests;
