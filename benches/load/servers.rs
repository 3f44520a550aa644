//! The servers of the benchmark, on plain tokio-tungstenite: `sink` counts
//! what a client sends, `blast` sends a burst then closes with 1000, and
//! `echo` is the stack's own echo server, the reference for `ws echo-server`.

use std::time::{Duration, Instant};

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// 64 letters, `abc…xyzabc…`: the blast payload a listener must print.
pub fn letters(size: usize) -> String {
    (b'a'..=b'z').cycle().take(size).map(char::from).collect()
}

/// What a sink saw on one connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct Received {
    pub messages: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// Serves connection after connection, reporting each one's count on `done`.
pub async fn sink(listener: TcpListener, done: std::sync::mpsc::Sender<Received>) {
    while let Ok((stream, _)) = listener.accept().await {
        let done = done.clone();
        tokio::spawn(async move {
            if let Some(received) = count(stream).await {
                let _ = done.send(received);
            }
        });
    }
}

async fn count(stream: TcpStream) -> Option<Received> {
    let mut ws = tokio_tungstenite::accept_async(stream).await.ok()?;
    let start = Instant::now();
    let mut received = Received::default();
    while let Some(Ok(message)) = ws.next().await {
        match message {
            Message::Text(_) | Message::Binary(_) => {
                received.messages += 1;
                received.bytes += message.len() as u64;
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    let _ = ws.flush().await;
    received.seconds = start.elapsed().as_secs_f64();
    Some(received)
}

/// On each connection sends `count` text messages of `size` letters, closes
/// with 1000 and waits (10 s at most) for the answer.
pub async fn blast(listener: TcpListener, count: usize, size: usize) {
    let payload = letters(size);
    while let Ok((stream, _)) = listener.accept().await {
        let message = Message::text(payload.clone());
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            for _ in 0..count {
                if ws.feed(message.clone()).await.is_err() {
                    return;
                }
            }
            let frame = CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            };
            let _ = ws.send(Message::Close(Some(frame))).await;
            let answer = async { while let Some(Ok(_)) = ws.next().await {} };
            let _ = tokio::time::timeout(Duration::from_secs(10), answer).await;
        });
    }
}

/// Echoes every text and binary message, one task per connection; echoes
/// are flushed when no more input is ready.
pub async fn echo(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let mut next = ws.next().await;
            while let Some(Ok(message)) = next {
                if (message.is_text() || message.is_binary()) && ws.feed(message).await.is_err() {
                    return;
                }
                next = match ws.next().now_or_never() {
                    Some(ready) => ready,
                    None => {
                        if ws.flush().await.is_err() {
                            return;
                        }
                        ws.next().await
                    }
                };
            }
        });
    }
}
