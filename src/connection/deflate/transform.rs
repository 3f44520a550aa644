//! Both directions' frames once compression is agreed ([`Codec`]):
//! incoming frames of compressed messages are inflated and handed on as
//! plain frames, outgoing data frames are deflated and marked with RSV1,
//! every other frame passes as it is. Working buffers live as long as the
//! connection (up to a size), and a payload is copied only where the
//! transform needs it: an inflated message goes straight into the buffer
//! tungstenite reads from, a server's outgoing payload is compressed where
//! tungstenite wrote it.

use super::codec::{Deflater, InflateError, Inflater};
use super::extension::Params;
use super::frame::{Header, MAX_HEADER, RSV1, apply_mask, encode_header, write_header};
use super::{KEEP_CAPACITY, READ_CHUNK, Role, SentSizes, Tuning};

/// Both directions' state once compression is agreed.
pub(super) struct Codec {
    limit: usize,
    inflater: Inflater,
    /// The incoming message being inflated, if any; its inflated size so far.
    inflating: Option<usize>,
    /// Bytes of an incoming frame still to pass as they are.
    read_skip: u64,
    /// Our compressor; with a window too small for it (8 bits) messages
    /// are sent uncompressed, as RFC 7692 allows.
    deflater: Deflater,
    /// Whether the outgoing message in progress is being compressed.
    deflating: bool,
    /// Bytes of an outgoing frame still to pass as they are.
    write_skip: u64,
    /// Payload bytes on the wire of the outgoing data message so far.
    message_out: usize,
    /// Messages (in one frame) smaller than this go uncompressed.
    pub threshold: usize,
    /// Where the wire size of each whole data message goes, if asked.
    pub sent: Option<SentSizes>,
    /// A client's outgoing payload, unmasked for the compressor.
    unmasked: Vec<u8>,
    /// An outgoing payload, compressed.
    packed: Vec<u8>,
}

/// What [`Codec::incoming`] did.
pub(super) struct Handled {
    /// Bytes of the input used.
    pub used: usize,
    /// Bytes at the start of the output that are not part of it.
    pub skip: usize,
}

/// Copies the next bytes of a payload that passes unchanged (`skip` left
/// of it, at most what `from` holds past `at`) into `out`; gives the
/// position after them.
fn pass_through(skip: &mut u64, from: &[u8], at: usize, out: &mut Vec<u8>) -> usize {
    let n = (from.len() - at).min(usize::try_from(*skip).unwrap_or(usize::MAX));
    out.extend_from_slice(&from[at..at + n]);
    *skip -= n as u64;
    at + n
}

impl Codec {
    pub fn new(role: Role, params: Params, limit: usize, tuning: Tuning) -> Codec {
        let client = (
            params.client_max_window_bits,
            params.client_no_context_takeover,
        );
        let server = (
            params.server_max_window_bits,
            params.server_no_context_takeover,
        );
        let (ours, theirs) = match role {
            Role::Client => (client, server),
            Role::Server => (server, client),
        };
        // The agreed window, or less when we were told to use less.
        let our_bits = ours.0.unwrap_or(15).min(tuning.window_bits.max(9));
        Codec {
            limit,
            inflater: Inflater::new(theirs.0.unwrap_or(15), theirs.1),
            inflating: None,
            read_skip: 0,
            deflater: Deflater::new(our_bits, tuning.mem_level, ours.1),
            deflating: false,
            write_skip: 0,
            message_out: 0,
            threshold: tuning.threshold,
            sent: None,
            unmasked: Vec::new(),
            packed: Vec::new(),
        }
    }

    /// Moves the whole frames at the start of `raw` into the empty `ready`,
    /// inflated, until `ready` holds [`READ_CHUNK`] bytes.
    pub fn incoming(
        &mut self,
        raw: &mut [u8],
        ready: &mut Vec<u8>,
    ) -> Result<Handled, InflateError> {
        let (mut at, mut skip) = (0, 0);
        loop {
            at = pass_through(&mut self.read_skip, raw, at, ready);
            if self.read_skip > 0 || ready.len() >= READ_CHUNK {
                return Ok(Handled { used: at, skip });
            }
            let Some(header) = Header::parse(&raw[at..]) else {
                return Ok(Handled { used: at, skip });
            };
            if !self.is_compressed(&header) {
                ready.extend_from_slice(&raw[at..at + header.header_len]);
                at += header.header_len;
                self.read_skip = header.payload_len;
                continue;
            }
            // A small message may grow when compressed: the frame may be as
            // large as zlib's bound for the largest message.
            if header.payload_len > compressed_bound(self.limit) as u64 {
                return Err(InflateError::TooBig {
                    max_size: self.limit,
                });
            }
            let end = at + header.header_len + header.payload_len as usize;
            if raw.len() < end {
                return Ok(Handled { used: at, skip });
            }
            let start = ready.len();
            let gap = self.inflate(&header, &mut raw[at + header.header_len..end], ready)?;
            if start == 0 {
                // The frame comes first: tungstenite starts after the gap.
                skip = gap;
            } else {
                ready.copy_within(start + gap.., start);
                ready.truncate(ready.len() - gap);
            }
            at = end;
        }
    }

    /// Inflates one frame's `payload` onto `ready` as a frame, after room
    /// for the longest header; returns how much of that room its header
    /// left unused, before it.
    fn inflate(
        &mut self,
        header: &Header,
        payload: &mut [u8],
        ready: &mut Vec<u8>,
    ) -> Result<usize, InflateError> {
        if let Some(mask) = header.mask {
            apply_mask(payload, mask);
        }
        let so_far = self.inflating.unwrap_or(0);
        let last = header.is_final();
        let start = ready.len();
        ready.resize(start + MAX_HEADER, 0);
        let inflated = self
            .inflater
            .inflate(payload, last, ready, self.limit - so_far);
        if let Err(error) = inflated {
            // Nothing of a refused frame reaches tungstenite.
            ready.truncate(start);
            return Err(error);
        }
        let size = ready.len() - start - MAX_HEADER;
        self.inflating = (!last).then_some(so_far + size);
        // A zero mask keeps a client's frame masked, as tungstenite
        // wants it, at no cost.
        let mask = header.mask.map(|_| [0; 4]);
        let (head, len) = encode_header(header.first & !RSV1, mask, size);
        let gap = MAX_HEADER - len;
        ready[start + gap..start + MAX_HEADER].copy_from_slice(&head[..len]);
        Ok(gap)
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
    pub fn outgoing(&mut self, written: &[u8], out: &mut Vec<u8>) -> usize {
        let mut at = 0;
        loop {
            at = pass_through(&mut self.write_skip, written, at, out);
            if self.write_skip > 0 {
                return at;
            }
            let Some(header) = Header::parse(&written[at..]) else {
                return at;
            };
            if header.starts_message() {
                let small = header.is_final() && header.payload_len < self.threshold as u64;
                self.deflating = self.deflater.compresses() && !small;
            }
            let data = header.starts_message() || header.continues_message();
            if !(self.deflating && data) {
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
            self.deflate(&header, &written[at + header.header_len..end], out);
            at = end;
        }
    }

    /// Deflates one outgoing frame's payload into a frame in `out`.
    fn deflate(&mut self, header: &Header, payload: &[u8], out: &mut Vec<u8>) {
        let plain = match header.mask {
            Some(mask) => {
                self.unmasked.clear();
                self.unmasked.extend_from_slice(payload);
                apply_mask(&mut self.unmasked, mask);
                &self.unmasked[..]
            }
            None => payload,
        };
        self.packed.clear();
        self.deflater
            .deflate(plain, header.is_final(), &mut self.packed);
        if let Some(mask) = header.mask {
            apply_mask(&mut self.packed, mask);
        }
        let rsv1 = if header.starts_message() { RSV1 } else { 0 };
        write_header(out, header.first | rsv1, header.mask, self.packed.len());
        out.extend_from_slice(&self.packed);
        self.count_out(self.packed.len(), header.is_final());
        for buffer in [&mut self.unmasked, &mut self.packed] {
            if buffer.capacity() > KEEP_CAPACITY {
                *buffer = Vec::new();
            }
        }
    }

    /// Gives back the buffers of outgoing payloads (empty between frames).
    pub fn rest(&mut self) {
        (self.unmasked, self.packed) = (Vec::new(), Vec::new());
    }

    /// Counts payload bytes of the outgoing data message; its total is
    /// logged with its last frame.
    fn count_out(&mut self, bytes: usize, last: bool) {
        self.message_out += bytes;
        if last {
            let size = std::mem::take(&mut self.message_out);
            if let Some(sent) = &self.sent {
                sent.push(self.deflating.then_some(size));
            }
        }
    }
}

/// The largest a compressed message of `size` bytes can be (zlib's
/// `compressBound`).
fn compressed_bound(size: usize) -> usize {
    size.saturating_add(size >> 12)
        .saturating_add(size >> 14)
        .saturating_add(size >> 25)
        .saturating_add(13)
}
