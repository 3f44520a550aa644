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

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Header {
    /// The first byte as sent: FIN, RSV1-3 and the opcode.
    pub first: u8,
    /// The masking key, for a masked frame.
    pub mask: Option<[u8; 4]>,
    /// The length of the header itself.
    pub header_len: usize,
    /// The length of the payload.
    pub payload_len: u64,
}

impl Header {
    /// Parses the header at the start of `bytes`; `None` until it is all there.
    pub fn parse(bytes: &[u8]) -> Option<Header> {
        let (&first, rest) = bytes.split_first()?;
        let &second = rest.first()?;
        let (extra, short) = match second & 0x7f {
            126 => (2, None),
            127 => (8, None),
            n => (0, Some(u64::from(n))),
        };
        let masked = second & MASKED != 0;
        let header_len = 2 + extra + if masked { 4 } else { 0 };
        if bytes.len() < header_len {
            return None;
        }
        let payload_len = short.unwrap_or_else(|| {
            let mut buffer = [0u8; 8];
            buffer[8 - extra..].copy_from_slice(&bytes[2..2 + extra]);
            u64::from_be_bytes(buffer)
        });
        let mask = masked.then(|| {
            let at = 2 + extra;
            [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]
        });
        Some(Header {
            first,
            mask,
            header_len,
            payload_len,
        })
    }

    /// The opcode (the low four bits of the first byte).
    pub fn opcode(&self) -> u8 {
        self.first & 0x0f
    }

    /// Whether this frame ends its message.
    pub fn is_final(&self) -> bool {
        self.first & FIN != 0
    }

    /// Whether RSV1 is set.
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

/// Appends a frame header: `first` as given, the payload length, and the
/// mask when there is one.
pub(super) fn write_header(out: &mut Vec<u8>, first: u8, mask: Option<[u8; 4]>, len: usize) {
    out.push(first);
    let masked = if mask.is_some() { MASKED } else { 0 };
    match len {
        0..=125 => out.push(masked | len as u8),
        126..=0xffff => {
            out.push(masked | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            out.push(masked | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    if let Some(mask) = mask {
        out.extend_from_slice(&mask);
    }
}

/// Applies (or removes: it is the same) a masking key.
pub(super) fn apply_mask(bytes: &mut [u8], mask: [u8; 4]) {
    if mask == [0; 4] {
        return;
    }
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte ^= mask[i & 3];
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
    fn masking_twice_gives_the_bytes_back() {
        let mut bytes = b"hello world".to_vec();
        apply_mask(&mut bytes, [9, 8, 7, 6]);
        assert_ne!(bytes, b"hello world");
        apply_mask(&mut bytes, [9, 8, 7, 6]);
        assert_eq!(bytes, b"hello world");
    }
}
