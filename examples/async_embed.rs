//! Uses the library from async code: starts the echo server inside
//! `#[tokio::main]`, talks to it with an async client, and tells the ways a
//! connection ends apart by matching `ws::Error` (a close code, a timeout)
//! rather than reading sentences.
//!
//! Run with: `cargo run --example async_embed`

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use ws::{ConnectOptions, Connection, Error};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The echo server starts from async code as from a plain thread.
    let server = ws::EchoServer::start()?;
    let (mut socket, _) = tokio_tungstenite::connect_async(server.url()).await?;
    socket.send(Message::text("hello")).await?;
    let echo = socket.next().await.ok_or("no echo")??;
    assert_eq!(echo, Message::text("hello"));
    println!("echoed: {echo}");

    // `Connection` blocks; from async code it runs on the blocking pool.
    let url = server.url();
    let silent = tokio::task::spawn_blocking(move || {
        let connection = Connection::open(&url, &ConnectOptions::default())?;
        connection.recv(Some(Duration::from_millis(50)))?;
        Ok::<(), Error>(())
    })
    .await?;
    match silent {
        Err(Error::Timeout { after, .. }) => println!("nothing came within {after:?}"),
        other => return Err(format!("expected a timeout, got {other:?}").into()),
    }

    // A server that ends every connection with 4000: the error carries the
    // code and the reason.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}/", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            if let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await {
                let close = CloseFrame {
                    code: CloseCode::from(4000),
                    reason: "bye".into(),
                };
                let _ = socket.close(Some(close)).await;
                while socket.next().await.is_some() {}
            }
        }
    });
    let closed = tokio::task::spawn_blocking(move || {
        let connection = Connection::open(&url, &ConnectOptions::default())?;
        connection.recv(None)?;
        Ok::<(), Error>(())
    })
    .await?;
    match closed {
        Err(Error::Closed { code, reason, .. }) => {
            assert_eq!((code, reason.as_str()), (4000, "bye"));
            println!("closed with {code}: {reason}");
        }
        other => return Err(format!("expected a close, got {other:?}").into()),
    }
    Ok(())
}
