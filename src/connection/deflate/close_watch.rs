//! The peer's close frame as it was on the wire. tungstenite replaces a
//! close code that is not allowed on the wire (999, 1005, 1006, …) by
//! 1002 "Protocol violation" before anyone sees it, so the code the peer
//! really sent is read here, from the frames passing to tungstenite:
//! only headers are parsed (payloads are skipped), and watching stops at
//! the first close frame.

use super::frame::{Header, MAX_HEADER, apply_mask};

/// The longest close payload a valid frame has.
const MAX_CLOSE: usize = 125;
/// The close opcode.
const CLOSE: u8 = 8;

/// Follows the frames of one direction and keeps its first close frame.
#[derive(Default)]
pub(super) struct CloseWatch {
    head: Vec<u8>,
    /// Payload bytes of the current frame still to pass.
    skip: u64,
    /// The close frame being read: its mask, its length and its payload so far.
    close: Option<(Option<[u8; 4]>, u64, Vec<u8>)>,
    /// The first close frame's payload, unmasked, once it is whole.
    seen: Option<Vec<u8>>,
}

impl CloseWatch {
    /// Follows `bytes`, the next bytes of the stream.
    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && self.seen.is_none() {
            if self.skip > 0 {
                let n = bytes
                    .len()
                    .min(usize::try_from(self.skip).unwrap_or(usize::MAX));
                if let Some((_, _, payload)) = &mut self.close {
                    let room = MAX_CLOSE.saturating_sub(payload.len()).min(n);
                    payload.extend_from_slice(&bytes[..room]);
                }
                self.skip -= n as u64;
                bytes = &bytes[n..];
                if self.skip == 0 {
                    self.frame_done();
                }
                continue;
            }
            let take = bytes.len().min(MAX_HEADER - self.head.len());
            self.head.extend_from_slice(&bytes[..take]);
            let Some(header) = Header::parse(&self.head) else {
                bytes = &bytes[take..];
                continue;
            };
            // Bytes taken beyond the header belong to the payload.
            let extra = self.head.len() - header.header_len;
            bytes = &bytes[take - extra..];
            self.head.clear();
            self.skip = header.payload_len;
            if header.opcode() == CLOSE {
                self.close = Some((header.mask, header.payload_len, Vec::new()));
            }
            if self.skip == 0 {
                self.frame_done();
            }
        }
    }

    fn frame_done(&mut self) {
        if let Some((mask, len, mut payload)) = self.close.take()
            && len <= MAX_CLOSE as u64
        {
            if let Some(mask) = mask {
                apply_mask(&mut payload, mask);
            }
            self.seen = Some(payload);
        }
    }

    /// The code and reason (lossy UTF-8) of the first close frame, when it
    /// had a code.
    pub fn close(&self) -> Option<(u16, String)> {
        let [high, low, reason @ ..] = self.seen.as_deref()? else {
            return None;
        };
        let reason = String::from_utf8_lossy(reason).into_owned();
        Some((u16::from_be_bytes([*high, *low]), reason))
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::write_header;
    use super::*;

    fn frames(mask: Option<[u8; 4]>) -> Vec<u8> {
        let mut out = Vec::new();
        write_header(&mut out, 0x81, mask, 300);
        out.extend(std::iter::repeat_n(b'a', 300));
        write_header(&mut out, 0x89, mask, 0);
        let mut close = vec![0x03, 0xe7];
        close.extend_from_slice(b"bye");
        if let Some(mask) = mask {
            apply_mask(&mut close, mask);
        }
        write_header(&mut out, 0x88, mask, close.len());
        out.extend(close);
        out
    }

    #[test]
    fn finds_the_close_code_however_the_bytes_are_cut() {
        for mask in [None, Some([1, 2, 3, 4])] {
            let bytes = frames(mask);
            for chunk in [1, 2, 3, 7, 64, bytes.len()] {
                let mut watch = CloseWatch::default();
                for piece in bytes.chunks(chunk) {
                    watch.feed(piece);
                }
                let close = Some((999, "bye".to_string()));
                assert_eq!(watch.close(), close, "chunks of {chunk}");
            }
        }
    }

    #[test]
    fn a_close_without_a_code_has_none() {
        let mut watch = CloseWatch::default();
        watch.feed(&[0x88, 0x00]);
        assert_eq!(watch.close(), None);
        let mut none = CloseWatch::default();
        none.feed(&[0x81, 0x01, b'x']);
        assert_eq!(none.close(), None);
    }
}
