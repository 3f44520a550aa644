//! The few facts about a websocket frame's header that the compression
//! layer needs (RFC 6455 §5.2): where the header ends, how long the
//! payload is, the bits it changes (RSV1), and the mask. Frames are read
//! from and written to plain byte buffers; tungstenite still checks
//! everything else.

/// The FIN bit of the first header byte.
const FIN: u8 = 0x80;
/// The RSV1 bit: "this message is compressed" (RFC 7692 §6).
pub(super) const RSV1: u8 = 0x40;
/// The mask bit of the second header byte.
const MASKED: u8 = 0x80;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// The first byte as sent: FIN, RSV1-3 and the opcode.
    pub first: u8,
    pub mask: Option<[u8; 4]>,
    pub header_len: usize,
    pub payload_len: u64,
}

impl Header {
    /// Parses the header at the start of `bytes`; `None` until it is all there.
    pub fn parse(bytes: &[u8]) -> Option<Header> {
        let [first, second, ..] = *bytes else {
            return None;
        };
        let extra = match second & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let masked = second & MASKED != 0;
        let header_len = 2 + extra + if masked { 4 } else { 0 };
        // The extended length, then the mask (none when unmasked).
        let (length, mask) = bytes.get(2..header_len)?.split_at(extra);
        let payload_len = match extra {
            0 => u64::from(second & 0x7f),
            _ => length
                .iter()
                .fold(0, |len, &byte| len << 8 | u64::from(byte)),
        };
        Some(Header {
            first,
            mask: mask.try_into().ok(),
            header_len,
            payload_len,
        })
    }

    /// The opcode (the low four bits of the first byte).
    pub fn opcode(&self) -> u8 {
        self.first & 0x0f
    }

    pub fn is_final(&self) -> bool {
        self.first & FIN != 0
    }

    pub fn rsv1(&self) -> bool {
        self.first & RSV1 != 0
    }

    /// Whether this frame starts a text or binary message.
    pub fn starts_message(&self) -> bool {
        matches!(self.opcode(), 1 | 2)
    }

    /// Whether this frame continues a fragmented message.
    pub fn continues_message(&self) -> bool {
        self.opcode() == 0
    }
}

/// The longest header: 2 bytes, 8 of length, 4 of mask.
pub(super) const MAX_HEADER: usize = 14;

/// A frame header: `first` as given, the payload length, and the mask when
/// there is one; the bytes and how many of them are used.
pub(super) fn encode_header(
    first: u8,
    mask: Option<[u8; 4]>,
    len: usize,
) -> ([u8; MAX_HEADER], usize) {
    let mut bytes = [0; MAX_HEADER];
    bytes[0] = first;
    let masked = if mask.is_some() { MASKED } else { 0 };
    let mut at = match len {
        0..=125 => {
            bytes[1] = masked | len as u8;
            2
        }
        126..=0xffff => {
            bytes[1] = masked | 126;
            bytes[2..4].copy_from_slice(&(len as u16).to_be_bytes());
            4
        }
        _ => {
            bytes[1] = masked | 127;
            bytes[2..10].copy_from_slice(&(len as u64).to_be_bytes());
            10
        }
    };
    if let Some(mask) = mask {
        bytes[at..at + 4].copy_from_slice(&mask);
        at += 4;
    }
    (bytes, at)
}

/// Appends a frame header (see [`encode_header`]).
pub(super) fn write_header(out: &mut Vec<u8>, first: u8, mask: Option<[u8; 4]>, len: usize) {
    let (bytes, used) = encode_header(first, mask, len);
    out.extend_from_slice(&bytes[..used]);
}

/// Applies (or removes: it is the same) a masking key, eight bytes at a time.
pub(super) fn apply_mask(bytes: &mut [u8], mask: [u8; 4]) {
    if mask == [0; 4] {
        return;
    }
    let [a, b, c, d] = mask;
    let wide = u64::from_ne_bytes([a, b, c, d, a, b, c, d]);
    let (words, rest) = bytes.as_chunks_mut::<8>();
    for word in words {
        *word = (u64::from_ne_bytes(*word) ^ wide).to_ne_bytes();
    }
    for (byte, key) in rest.iter_mut().zip(mask.iter().cycle()) {
        *byte ^= key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_for_each_length_form() {
        for len in [0usize, 125, 126, 65_535, 65_536, 1 << 20] {
            for mask in [None, Some([1, 2, 3, 4])] {
                let mut out = Vec::new();
                write_header(&mut out, 0x80 | RSV1 | 1, mask, len);
                let header = Header::parse(&out).unwrap();
                assert_eq!(header.header_len, out.len());
                assert_eq!(header.payload_len, len as u64);
                assert_eq!(header.mask, mask);
                assert!(header.is_final() && header.rsv1() && header.starts_message());
                assert_eq!(Header::parse(&out[..out.len() - 1]), None);
            }
        }
    }

    #[test]
    fn masking_matches_the_rfc_byte_by_byte_and_twice_gives_the_bytes_back() {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        for len in [0, 3, 8, 11, 13, 64, 1001] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let mut masked = plain.clone();
            apply_mask(&mut masked, mask);
            for (i, (m, p)) in masked.iter().zip(&plain).enumerate() {
                assert_eq!(*m, p ^ mask[i % 4], "byte {i} of {len}");
            }
            apply_mask(&mut masked, mask);
            assert_eq!(masked, plain, "{len} bytes masked twice");
        }
    }
}
