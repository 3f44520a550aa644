//! The echo server: `ws echo-server`, and the one `ws session` starts when
//! no URL is given. One task per connection, no shared state on the echo
//! path; each connection is pinned to one worker thread (a single-threaded
//! runtime): `ws echo-server` has one per core but one, the session's
//! embedded server one. permessage-deflate is accepted when a client
//! offers it (see [`crate::connection::deflate`]). Echoes are fed as
//! messages arrive and flushed when no more input is ready. Over-large messages are refused with 1009,
//! invalid text with 1007, protocol errors with 1002; a shutdown closes
//! every client with 1001.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::connection::deflate::{self, DeflateStream, Side};
use crate::connection::{close_code_for, close_handshake, ws_config};

/// How long a closing client gets to answer our close frame.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_secs(2);
use crate::error::{Error, Result};
use crate::runtime::runtime;

/// How an echo server behaves.
#[derive(Clone)]
pub struct ServerOptions {
    /// The largest message echoed; larger ones close the connection with 1009.
    pub max_message_size: usize,
    /// TLS for `wss://`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Accept permessage-deflate when a client offers it.
    pub compression: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_message_size: 16 * 1024 * 1024,
            tls: None,
            compression: true,
        }
    }
}

/// A bound echo server, ready to [`run`](EchoServer::run).
pub struct EchoServer {
    listener: TcpListener,
    options: ServerOptions,
}

impl EchoServer {
    /// Binds `addr` (`host:port`; port 0 picks a free one).
    pub async fn bind(addr: &str, options: ServerOptions) -> Result<Self> {
        let listener = TcpListener::bind(addr).await.map_err(|e| {
            Error::Connect(format!(
                "cannot listen on {addr}: {}; pick another port with -p",
                crate::error::io_reason(&e)
            ))
        })?;
        Ok(Self { listener, options })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves clients until `shutdown` completes, then closes each with
    /// 1001. This future only accepts; each connection is pinned to one of
    /// `workers` threads, each with a single-threaded runtime of its own,
    /// so a connection's reads, echoes and wake-ups stay on one thread.
    pub async fn run(self, workers: usize, shutdown: impl Future<Output = ()>) -> Result<()> {
        let (done, mut all_done) = mpsc::channel::<()>(1);
        let mut queues = Vec::with_capacity(workers.max(1));
        for _ in 0..workers.max(1) {
            let (queue, streams) = mpsc::unbounded_channel();
            let runtime = single_threaded()?;
            let done = done.clone();
            queues.push(queue);
            std::thread::spawn(move || {
                runtime.block_on(worker(streams));
                drop(done);
            });
        }
        drop(done);
        let (stop, stopped) = watch::channel(false);
        tokio::pin!(shutdown);
        for next in 0.. {
            let accepted = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.listener.accept() => accepted,
            };
            let Ok((stream, _)) = accepted else { continue };
            let _ = stream.set_nodelay(true);
            if let Ok(stream) = stream.into_std() {
                let handoff = (stream, self.options.clone(), stopped.clone());
                let _ = queues[next % queues.len()].send(handoff);
            }
        }
        // Every connection closes with 1001; each worker drains its own
        // once its queue is closed.
        let _ = stop.send(true);
        drop(queues);
        let _ = all_done.recv().await;
        Ok(())
    }
}

/// What the acceptor hands a worker: a connection, and how to serve it.
type Handoff = (std::net::TcpStream, ServerOptions, watch::Receiver<bool>);

/// One core's share of the connections: serves what the acceptor hands
/// over, then waits for its connections to finish.
async fn worker(mut streams: mpsc::UnboundedReceiver<Handoff>) {
    let mut clients = JoinSet::new();
    while let Some((stream, options, stopped)) = streams.recv().await {
        while clients.try_join_next().is_some() {}
        if let Ok(stream) = TcpStream::from_std(stream) {
            clients.spawn(serve(stream, options, stopped));
        }
    }
    drain(clients).await;
}

fn single_threaded() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Io {
            context: "cannot start a server thread".into(),
            source: e,
        })
}

/// Waits (5 s at most) for the connections to finish their closes.
async fn drain(mut clients: JoinSet<()>) {
    let all = async { while clients.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), all).await;
}

/// Starts an echo server on 127.0.0.1 with an ephemeral port, in the
/// background on the shared runtime; returns its address.
pub fn spawn_local() -> Result<SocketAddr> {
    let server = runtime().block_on(EchoServer::bind("127.0.0.1:0", ServerOptions::default()))?;
    let address = server.local_addr();
    runtime().spawn(server.run(1, std::future::pending()));
    Ok(address)
}

async fn serve(stream: TcpStream, options: ServerOptions, stopped: watch::Receiver<bool>) {
    match options.tls.clone() {
        Some(tls) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(tls);
            if let Ok(stream) = acceptor.accept(stream).await
                && let Some(ws) = accept(stream, &options).await
            {
                echo(ws, stopped).await;
            }
        }
        None => {
            if let Some(ws) = accept(stream, &options).await {
                echo(ws, stopped).await;
            }
        }
    }
}

/// The websocket handshake, agreeing on compression when the client
/// offers it and `options` allow it.
async fn accept<S>(stream: S, options: &ServerOptions) -> Option<WebSocketStream<DeflateStream<S>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let config = Some(ws_config(options.max_message_size));
    let mut agreed = None;
    #[allow(clippy::result_large_err)] // tungstenite's callback type
    let answer = |request: &Request, mut response: Response| {
        if options.compression {
            agreed = deflate::answer(request, &mut response);
        }
        Ok(response)
    };
    let stream = DeflateStream::new(stream, Side::Server);
    let mut ws = tokio_tungstenite::accept_hdr_async_with_config(stream, answer, config)
        .await
        .ok()?;
    ws.get_mut().enable(agreed, options.max_message_size);
    Some(ws)
}

/// Echoes until the client closes, the connection fails or the server stops.
async fn echo<S>(mut ws: WebSocketStream<S>, mut stopped: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut ready = None;
    loop {
        let incoming = match ready.take() {
            Some(incoming) => incoming,
            None => tokio::select! {
                incoming = ws.next() => incoming,
                _ = stopped.changed() => {
                    close_handshake(&mut ws, CloseCode::Away, CLOSE_LINGER).await;
                    return;
                }
            },
        };
        match incoming {
            Some(Ok(message)) if message.is_text() || message.is_binary() => {
                if ws.feed(message).await.is_err() {
                    return;
                }
                // Keep feeding while input is ready; flush when it is not.
                match ws.next().now_or_never() {
                    Some(next) => ready = Some(next),
                    None if ws.flush().await.is_err() => return,
                    None => {}
                }
            }
            Some(Ok(Message::Close(_))) | None => {
                let _ = ws.flush().await;
                return;
            }
            Some(Ok(_)) => {
                let _ = ws.flush().await;
            }
            Some(Err(error)) => {
                if let Some(code) = close_code_for(&error) {
                    close_handshake(&mut ws, code, CLOSE_LINGER).await;
                }
                return;
            }
        }
    }
}

/// How many worker threads `ws echo-server` starts: one per core but one,
/// which is left to the clients an echo server is usually run next to
/// (on two cores, one worker thread beats two by a fifth at 8 connections).
pub fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}
