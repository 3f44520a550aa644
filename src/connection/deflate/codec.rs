//! The two halves of permessage-deflate's data transform (RFC 7692 §7.2)
//! over zlib-rs (through flate2 for inflating): [`Deflater`] compresses
//! one frame's payload at a time and
//! drops the `00 00 ff ff` a message ends with; [`Inflater`] puts it back
//! and inflates, never past a limit on the message's inflated size.

use flate2::{Decompress, FlushDecompress, Status};
use zlib_rs::{Deflate, DeflateConfig, DeflateFlush};

/// The tail a sync flush leaves, removed from (and restored to) the end of
/// every compressed message.
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Compressed frames up to this long are inflated with their tail at once.
const SHORT: usize = 256;

/// How hard we compress: zlib's level 1, the fast one (JSON still shrinks
/// several times over, at a fraction of level 6's time).
pub const LEVEL: i32 = 1;

/// Why an incoming compressed message was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InflateError {
    /// It inflates past the limit (`max_message_size`).
    TooBig {
        /// The limit, in bytes.
        max_size: usize,
    },
    /// It is not valid DEFLATE data.
    Corrupt,
}

impl std::fmt::Display for InflateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InflateError::TooBig { max_size } => write!(
                f,
                "a compressed message inflates past max_message_size ({max_size} bytes); raise it with --max-message-size"
            ),
            InflateError::Corrupt => {
                f.write_str("the peer sent a compressed message that does not inflate")
            }
        }
    }
}

impl std::error::Error for InflateError {}

/// The sending side: one compressor, made for the first message that is
/// compressed (a connection that never sends one never holds its
/// state), kept across messages unless `no_context_takeover`, where it is
/// given back after each message.
pub struct Deflater {
    compress: Option<Deflate>,
    bits: u8,
    mem_level: u8,
    no_context_takeover: bool,
}

impl Deflater {
    /// A compressor with a window of `2^bits` bytes (up to 15) and zlib's
    /// memory level `mem_level` (1 to 9: each step doubles its buffer of
    /// pending output). zlib's deflate makes no window under 2^9: with 8
    /// bits it [`compresses`](Deflater::compresses) nothing.
    pub fn new(bits: u8, mem_level: u8, no_context_takeover: bool) -> Deflater {
        Deflater {
            compress: None,
            bits: bits.min(15),
            mem_level: mem_level.clamp(1, 9),
            no_context_takeover,
        }
    }

    /// Whether it can compress with the window agreed.
    pub fn compresses(&self) -> bool {
        self.bits >= 9
    }

    /// Whether it holds a compressor's state now.
    #[cfg(test)]
    pub fn holds_state(&self) -> bool {
        self.compress.is_some()
    }

    /// Compresses one frame's payload into `out`; `last` for the frame that
    /// ends the message.
    pub fn deflate(&mut self, input: &[u8], last: bool, out: &mut Vec<u8>) {
        let (bits, mem_level) = (self.bits, self.mem_level);
        let compress = self.compress.get_or_insert_with(|| {
            Deflate::new_with_config(DeflateConfig {
                level: LEVEL,
                // Negative: raw deflate, without zlib's header.
                window_bits: -i32::from(bits.max(9)),
                mem_level: i32::from(mem_level),
                ..DeflateConfig::default()
            })
        });
        let start = out.len();
        let mut consumed = 0;
        loop {
            let filled = out.len();
            out.resize(filled + (input.len() - consumed) / 2 + 64, 0);
            let (before_in, before_out) = (compress.total_in(), compress.total_out());
            let status = compress.compress(
                &input[consumed..],
                &mut out[filled..],
                DeflateFlush::SyncFlush,
            );
            consumed += (compress.total_in() - before_in) as usize;
            let written = (compress.total_out() - before_out) as usize;
            let full = filled + written == out.len();
            out.truncate(filled + written);
            // Done once all input is in and the flush had room to finish.
            if status.is_err() || (consumed == input.len() && !full) {
                break;
            }
        }
        if last {
            if out[start..].ends_with(&TAIL) {
                out.truncate(out.len() - TAIL.len());
            }
            if out.len() == start {
                // An empty message: one empty non-final block (RFC 7692 §7.2.3.6).
                out.push(0x00);
            }
            if self.no_context_takeover {
                self.compress = None;
            }
        }
    }
}

/// The receiving side: one decompressor, made for the first compressed
/// message that comes, kept across messages unless `no_context_takeover`,
/// where it is given back after each message.
pub struct Inflater {
    decompress: Option<Decompress>,
    bits: u8,
    no_context_takeover: bool,
}

impl Inflater {
    /// A decompressor for a peer whose window is at most `2^bits` bytes.
    pub fn new(bits: u8, no_context_takeover: bool) -> Inflater {
        Inflater {
            decompress: None,
            bits: bits.clamp(9, 15),
            no_context_takeover,
        }
    }

    /// Whether it holds a decompressor's state now.
    #[cfg(test)]
    pub fn holds_state(&self) -> bool {
        self.decompress.is_some()
    }

    /// Inflates one frame's payload onto the end of `out`, adding at most
    /// `limit` bytes when it returns `Ok`; `last` for the frame that ends
    /// the message.
    pub fn inflate(
        &mut self,
        input: &[u8],
        last: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), InflateError> {
        let bits = self.bits;
        let decompress = self
            .decompress
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        let start = out.len();
        let mut joined = [0; SHORT + TAIL.len()];
        if last && input.len() <= SHORT {
            // A short message and its tail in one call: each call costs.
            let len = input.len() + TAIL.len();
            joined[..input.len()].copy_from_slice(input);
            joined[input.len()..len].copy_from_slice(&TAIL);
            run(decompress, &joined[..len], out, start, limit)?;
        } else {
            run(decompress, input, out, start, limit)?;
            if last {
                run(decompress, &TAIL, out, start, limit)?;
            }
        }
        if last && self.no_context_takeover {
            self.decompress = None;
        }
        Ok(())
    }
}

/// Inflates `input` onto `out`, whose bytes from `start` on are at most
/// `limit`.
fn run(
    decompress: &mut Decompress,
    input: &[u8],
    out: &mut Vec<u8>,
    start: usize,
    limit: usize,
) -> Result<(), InflateError> {
    let mut consumed = 0;
    loop {
        if out.len() == out.capacity() {
            // Growing geometrically, never past one byte over the limit.
            let want = (input.len() - consumed)
                .saturating_mul(4)
                .max(out.len())
                .max(4096);
            let room = limit.saturating_sub(out.len() - start).saturating_add(1);
            out.reserve_exact(want.min(room));
        }
        let before = decompress.total_in();
        let status = decompress
            .decompress_vec(&input[consumed..], out, FlushDecompress::Sync)
            .map_err(|_| InflateError::Corrupt)?;
        consumed += (decompress.total_in() - before) as usize;
        if out.len() - start > limit {
            return Err(InflateError::TooBig { max_size: limit });
        }
        match status {
            // A final block: what follows starts afresh.
            Status::StreamEnd => decompress.reset(false),
            Status::BufError if out.len() < out.capacity() => return Ok(()),
            _ => {}
        }
        if consumed == input.len() && out.len() < out.capacity() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(deflater: &mut Deflater, inflater: &mut Inflater, message: &[u8]) -> usize {
        let mut wire = Vec::new();
        deflater.deflate(message, true, &mut wire);
        let mut back = Vec::new();
        inflater
            .inflate(&wire, true, &mut back, usize::MAX)
            .unwrap();
        assert_eq!(back, message);
        wire.len()
    }

    #[test]
    fn messages_survive_with_and_without_context_takeover() {
        let json = br#"{"id": 1, "name": "sensor", "values": [1, 2, 3, 4, 5]}"#.repeat(100);
        for reset in [false, true] {
            let (mut d, mut i) = (Deflater::new(15, 8, reset), Inflater::new(15, reset));
            // The state is made on first use, and given back after each
            // message without context takeover.
            assert!(!d.holds_state() && !i.holds_state());
            let first = round_trip(&mut d, &mut i, &json);
            assert_eq!(d.holds_state(), !reset);
            assert_eq!(i.holds_state(), !reset);
            let second = round_trip(&mut d, &mut i, &json);
            assert!(first < json.len() / 10);
            // With the window kept, the repeat costs almost nothing.
            assert_eq!(second < first * 3 / 4, !reset, "{first} then {second}");
            round_trip(&mut d, &mut i, b"");
        }
    }

    #[test]
    fn every_window_and_memory_level_round_trips() {
        // Text, a run, and bytes that do not compress, large enough to
        // slide the smallest windows many times and fill small buffers.
        let mut x: u32 = 1;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect();
        let text = b"window and level ".repeat(5000);
        for bits in 9..=15 {
            for level in [1, 5, 9] {
                let mut d = Deflater::new(bits, level, false);
                let mut i = Inflater::new(bits, false);
                for message in [&text[..], &[b'a'; 70_000][..], &noise[..], b""] {
                    round_trip(&mut d, &mut i, message);
                }
            }
        }
    }

    #[test]
    fn the_rfc_example_inflates() {
        // RFC 7692 §7.2.3.1: "Hello" compressed.
        let mut out = Vec::new();
        Inflater::new(15, false)
            .inflate(
                &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
                true,
                &mut out,
                100,
            )
            .unwrap();
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn fragments_inflate_as_one_message() {
        let text = b"fragmented and compressed ".repeat(50);
        let mut d = Deflater::new(15, 8, false);
        let mut parts = (Vec::new(), Vec::new());
        d.deflate(&text[..600], false, &mut parts.0);
        d.deflate(&text[600..], true, &mut parts.1);
        let mut i = Inflater::new(15, false);
        let mut out = Vec::new();
        i.inflate(&parts.0, false, &mut out, usize::MAX).unwrap();
        i.inflate(&parts.1, true, &mut out, usize::MAX).unwrap();
        assert_eq!(out, text);
    }

    #[test]
    fn a_bomb_stops_at_the_limit() {
        let mut wire = Vec::new();
        Deflater::new(15, 8, false).deflate(&vec![b'a'; 10 << 20], true, &mut wire);
        assert!(wire.len() < 200 << 10, "{}", wire.len());
        let mut out = Vec::new();
        let refused = Inflater::new(15, false).inflate(&wire, true, &mut out, 1 << 20);
        assert_eq!(refused, Err(InflateError::TooBig { max_size: 1 << 20 }));
        assert!(out.capacity() < 2 << 20, "{}", out.capacity());
        let mut out = Vec::new();
        let corrupt = Inflater::new(15, false).inflate(&[0xff, 0xff, 0xff], true, &mut out, 100);
        assert_eq!(corrupt, Err(InflateError::Corrupt));
    }
}
