//! Two tungstenite endpoints talking through [`DeflateStream`] over an
//! in-memory pipe: negotiation, compression on the wire, the size limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{WebSocketStream, accept_hdr_async, client_async};

use super::*;

/// A pipe end that counts the bytes written through it.
struct Counted(DuplexStream, Arc<AtomicUsize>);

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.0).poll_write(cx, buf))?;
        self.1.fetch_add(n, Ordering::Relaxed);
        Poll::Ready(Ok(n))
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

type Ws = WebSocketStream<DeflateStream<Counted>>;

/// A connected pair; `offer` is the client's extension header (if any),
/// `limit` the server's largest message. Returns the client, the server,
/// what the server agreed and the bytes the client wrote.
async fn pair(offer: Option<&str>, limit: usize) -> (Ws, Ws, Option<Params>, Arc<AtomicUsize>) {
    let (a, b) = tokio::io::duplex(1 << 20);
    let counted = Arc::new(AtomicUsize::new(0));
    let client = DeflateStream::new(Counted(a, counted.clone()), Role::Client);
    let server = DeflateStream::new(Counted(b, Arc::new(AtomicUsize::new(0))), Role::Server);
    let mut request = "ws://localhost/".into_client_request().unwrap();
    if let Some(offer) = offer {
        request
            .headers_mut()
            .insert("sec-websocket-extensions", offer.parse().unwrap());
    }
    let mut agreed = None;
    #[allow(clippy::result_large_err)] // tungstenite's callback type
    let answer_offer = |request: &Request, mut response: Response| {
        agreed = answer(request, &mut response, 12);
        Ok(response)
    };
    let accept = accept_hdr_async(server, answer_offer);
    let (client, server) = tokio::join!(client_async(request, client), accept);
    let (mut client, response) = client.unwrap();
    let mut server = server.unwrap();
    let answer = header_values(response.headers());
    let params = client_accepts(offer.is_some(), &answer).unwrap();
    assert_eq!(params, agreed);
    client.get_mut().enable(params, 1 << 24, Tuning::default());
    server.get_mut().enable(agreed, limit, Tuning::default());
    (client, server, agreed, counted)
}

fn json(n: usize) -> String {
    (0..n)
        .map(|i| format!(r#"{{"id": {i}, "kind": "reading", "value": 42}},"#))
        .collect()
}

#[tokio::test]
async fn compressed_messages_cross_both_ways_and_shrink_on_the_wire() {
    let offers = [
        CLIENT_OFFER,
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=9; client_max_window_bits=10",
        "permessage-deflate; server_max_window_bits=8; client_max_window_bits",
    ];
    for offer in offers {
        let (mut client, mut server, agreed, wire) = pair(Some(offer), 1 << 24).await;
        assert!(agreed.is_some(), "{offer}");
        let before = wire.load(Ordering::Relaxed);
        let text = json(2000);
        for message in [text.clone(), String::new(), text.clone()] {
            client.send(Message::text(message.clone())).await.unwrap();
            let echoed = server.next().await.unwrap().unwrap();
            assert_eq!(echoed.to_text().unwrap(), message, "{offer}");
            server.send(echoed).await.unwrap();
            assert_eq!(
                client.next().await.unwrap().unwrap().to_text().unwrap(),
                message
            );
        }
        let sent = wire.load(Ordering::Relaxed) - before;
        // (With server_max_window_bits=8 the server answers uncompressed;
        // the client, limited to a window of 2^12 by the server, still
        // compresses.)
        assert!(sent < text.len() / 4, "{offer}: {sent}");
    }
}

#[tokio::test]
async fn a_quiet_compressed_connection_keeps_no_buffers() {
    let (mut client, mut server, _, _) = pair(Some(CLIENT_OFFER), 1 << 24).await;
    let held = |ws: &mut Ws| {
        let stream = ws.get_mut();
        stream.raw.capacity() + stream.ready.capacity() + stream.out.capacity()
    };
    client.send(Message::text(json(2000))).await.unwrap();
    let echoed = server.next().await.unwrap().unwrap();
    server.send(echoed).await.unwrap();
    client.next().await.unwrap().unwrap();
    // Each side now waits for the other: its read found nothing.
    for ws in [&mut client, &mut server] {
        let waker = futures_util::task::noop_waker();
        let polled = ws.poll_next_unpin(&mut Context::from_waker(&waker));
        assert!(polled.is_pending());
        assert_eq!(held(ws), 0);
    }
}

#[tokio::test]
async fn without_an_offer_bytes_pass_as_they_are() {
    let (mut client, mut server, agreed, wire) = pair(None, 1 << 24).await;
    assert_eq!(agreed, None);
    let before = wire.load(Ordering::Relaxed);
    let text = json(100);
    client.send(Message::text(text.clone())).await.unwrap();
    assert_eq!(
        server.next().await.unwrap().unwrap().to_text().unwrap(),
        text
    );
    assert!(wire.load(Ordering::Relaxed) - before > text.len());
}

#[tokio::test]
async fn a_message_inflating_past_the_limit_is_refused() {
    let (mut client, mut server, _, wire) = pair(Some(CLIENT_OFFER), 64 * 1024).await;
    let before = wire.load(Ordering::Relaxed);
    client
        .send(Message::binary(vec![0u8; 1 << 20]))
        .await
        .unwrap();
    assert!(wire.load(Ordering::Relaxed) - before < 16 * 1024);
    let error = server.next().await.unwrap().unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Io(error) = error else {
        panic!("{error:?}");
    };
    assert_eq!(
        inflate_error(&error),
        Some(&InflateError::TooBig {
            max_size: 64 * 1024
        })
    );
}

#[tokio::test]
async fn messages_in_flight_together_arrive_whole_and_in_order() {
    let (mut client, mut server, _, _) = pair(Some(CLIENT_OFFER), 1 << 24).await;
    let messages: Vec<String> = (0..60).map(|i| json(i * 37 % 500)).collect();
    for (i, message) in messages.iter().enumerate() {
        client.feed(Message::text(message.clone())).await.unwrap();
        if i % 10 == 0 {
            client
                .feed(Message::Ping(vec![i as u8].into()))
                .await
                .unwrap();
        }
    }
    client.flush().await.unwrap();
    let echoed = texts(&mut server, messages.len(), Message::is_ping).await;
    assert_eq!(echoed, messages);
    for message in echoed {
        server.feed(Message::text(message)).await.unwrap();
    }
    server.flush().await.unwrap();
    let back = texts(&mut client, messages.len(), Message::is_pong).await;
    assert_eq!(back, messages);
}

/// The next `n` text messages on `ws`, past control frames of the kind
/// `control` accepts.
async fn texts(ws: &mut Ws, n: usize, control: fn(&Message) -> bool) -> Vec<String> {
    let mut texts = Vec::new();
    while texts.len() < n {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(text) => texts.push(text.to_string()),
            other => assert!(control(&other), "{other:?}"),
        }
    }
    texts
}
