//! Reading the socket in large pieces while the peer sends more than the
//! reader above asks for at a time. tungstenite reads into a small buffer
//! (16 KiB, so that an idle connection stays small), which makes a
//! message of 16 KiB cost two reads and one of 64 KiB five. Once a read
//! fills what was asked for, [`ReadAhead`] reads [`SIZE`] bytes at a time
//! into a buffer of its own and hands them on from there; after
//! [`PATIENCE`] reads in a row that the smaller buffer would have held as
//! well, it gives the buffer back and reads directly again.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes read at a time while reading ahead.
const SIZE: usize = 64 * 1024;
/// Reads in a row that did not need the buffer before it is given back.
const PATIENCE: u8 = 8;

/// A stream whose reads gather what the peer has sent, up to [`SIZE`].
pub(crate) struct ReadAhead<S> {
    inner: S,
    /// Empty while reading directly.
    buffer: Box<[u8]>,
    /// Read, not yet handed on.
    start: usize,
    end: usize,
    /// Reads in a row that the reader's own buffer would have held.
    needless: u8,
}

impl<S> ReadAhead<S> {
    pub(crate) fn new(inner: S) -> Self {
        Self {
            inner,
            buffer: Box::default(),
            start: 0,
            end: 0,
            needless: 0,
        }
    }

    /// Hands on what was read ahead.
    fn take(&mut self, buf: &mut ReadBuf<'_>) {
        let n = buf.remaining().min(self.end - self.start);
        buf.put_slice(&self.buffer[self.start..self.start + n]);
        self.start += n;
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for ReadAhead<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.start < this.end {
            this.take(buf);
            return Poll::Ready(Ok(()));
        }
        let asked = buf.remaining();
        if this.buffer.is_empty() || asked >= SIZE {
            let before = buf.filled().len();
            ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
            let filled = buf.filled().len() - before;
            // (Here a small ask means no buffer yet.)
            if asked < SIZE && filled > 0 && filled == asked {
                // More is likely waiting than was asked for.
                this.buffer = vec![0; SIZE].into_boxed_slice();
                this.needless = 0;
            }
            return Poll::Ready(Ok(()));
        }
        let mut ahead = ReadBuf::new(&mut this.buffer);
        ready!(Pin::new(&mut this.inner).poll_read(cx, &mut ahead))?;
        let n = ahead.filled().len();
        (this.start, this.end) = (0, n);
        this.take(buf);
        this.needless = if n <= asked {
            this.needless.saturating_add(1)
        } else {
            0
        };
        if this.needless >= PATIENCE {
            // All of it was handed on (n <= asked): nothing is lost.
            (this.buffer, this.start, this.end) = (Box::default(), 0, 0);
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for ReadAhead<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream, duplex};

    /// Counts the reads that reached the stream below.
    struct Counted(DuplexStream, usize);

    impl AsyncRead for Counted {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            this.1 += 1;
            Pin::new(&mut this.0).poll_read(cx, buf)
        }
    }

    /// Reads a message of `len` bytes, written whole, the way tungstenite
    /// reads: asking for 16 KiB at a time.
    async fn read_message(reader: &mut ReadAhead<Counted>, len: usize) -> Vec<u8> {
        let mut message = Vec::new();
        let mut buf = vec![0; 16 * 1024];
        while message.len() < len {
            let n = reader.read(&mut buf).await.expect("read");
            assert!(n > 0, "the stream ended early");
            message.extend_from_slice(&buf[..n]);
        }
        assert_eq!(message.len(), len, "read past the message");
        message
    }

    fn pattern(seed: usize, len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 + seed) as u8).collect()
    }

    #[tokio::test]
    async fn a_message_past_the_readers_buffer_takes_one_read_once_reading_ahead() {
        let (mut writer, reader) = duplex(1 << 20);
        let mut reader = ReadAhead::new(Counted(reader, 0));
        let len = 16 * 1024 + 8;
        for i in 0..20 {
            let sent = pattern(i, len);
            writer.write_all(&sent).await.expect("write");
            assert_eq!(read_message(&mut reader, len).await, sent, "message {i}");
        }
        // The first message is read directly (16 KiB, then the rest); each
        // after it in one read of up to 64 KiB.
        assert_eq!(reader.inner.1, 2 + 19);
    }

    #[tokio::test]
    async fn small_messages_give_the_buffer_back() {
        let (mut writer, reader) = duplex(1 << 20);
        let mut reader = ReadAhead::new(Counted(reader, 0));
        writer
            .write_all(&pattern(0, 16 * 1024 + 8))
            .await
            .expect("write");
        read_message(&mut reader, 16 * 1024 + 8).await;
        assert_eq!(reader.buffer.len(), SIZE);
        for i in 0..usize::from(PATIENCE) {
            let sent = pattern(i, 64);
            writer.write_all(&sent).await.expect("write");
            assert_eq!(read_message(&mut reader, 64).await, sent);
        }
        assert!(reader.buffer.is_empty(), "the buffer was kept");
    }

    #[tokio::test]
    async fn every_byte_passes_in_order_whatever_the_sizes() {
        let (mut writer, reader) = duplex(1 << 16);
        let mut reader = ReadAhead::new(Counted(reader, 0));
        let sent = pattern(7, 3 << 20);
        let write = {
            let sent = sent.clone();
            tokio::spawn(async move {
                for (i, piece) in sent.chunks(70_001).enumerate() {
                    writer.write_all(piece).await.expect("write");
                    if i % 3 == 0 {
                        writer.flush().await.expect("flush");
                    }
                }
            })
        };
        let mut received = Vec::new();
        let asks = [16 * 1024, 5, 64 * 1024, 100_000, 1];
        let mut buf = vec![0; 100_000];
        for ask in asks.iter().cycle() {
            let n = reader.read(&mut buf[..*ask]).await.expect("read");
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        write.await.expect("writer");
        assert_eq!(received.len(), sent.len());
        assert!(received == sent, "the bytes differ");
    }
}
