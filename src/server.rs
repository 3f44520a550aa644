//! The echo server: `ws echo-server`, and the one `ws session` starts when
//! no URL is given. One task per connection, no shared state on the echo
//! path; each connection is pinned to one worker thread (a single-threaded
//! runtime): `ws echo-server` has one per core but one, the session's
//! embedded server one. Each connection runs on the connection engine
//! (`connection::Engine`): it reads while echoes are written, flushes once per batch,
//! and drops a client that takes no echoes for `send_timeout`. Over-large
//! messages are refused with 1009, invalid text with 1007, protocol errors
//! with 1002; a client that does not finish its handshake within
//! `handshake_timeout` is dropped; accepting backs off while file
//! descriptors run out; a shutdown closes every client with 1001.
//! permessage-deflate is accepted when a client offers it (see
//! [`crate::connection::deflate`]).

use std::future::{Future, poll_fn};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::connection::deflate::{self, DeflateStream};
use crate::connection::{Engine, KeepaliveSettings, Limits, Step, ws_config};
use crate::error::{Error, Result};
use crate::runtime::runtime;

/// How long a closing client gets to answer our close frame.
const CLOSE_LINGER: Duration = Duration::from_secs(2);
/// Bytes of echoes a connection may have waiting (not taken by the
/// stream's write buffer) before it stops reading: none, so the stream's
/// buffer and the socket's bound what waits, and a close from the client
/// is read only after every echo before it is on its way out.
const ECHO_BACKLOG: usize = 0;
/// How long to wait before accepting again when accepting fails for lack
/// of resources (no file descriptors left, no memory).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Frames read in a row before their echoes go out, for a connection
/// alone on its thread: its client is usually waiting for those echoes,
/// and the thread has nothing else to do while the client works on them,
/// so the first echoes go out early (on two cores this doubles the echoes
/// a single client gets at 64 in flight). With neighbours, the thread is
/// kept busy by them and fewer, larger writes win.
const LONE_READ_BATCH: usize = 4;
/// The same with neighbours on the thread (the engine's default).
const SHARED_READ_BATCH: usize = 64;

/// How an echo server behaves.
#[derive(Clone)]
pub struct ServerOptions {
    /// The largest message echoed; larger ones close the connection with 1009.
    pub max_message_size: usize,
    /// TLS for `wss://`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// How long a client has for the TLS and websocket handshakes before
    /// its connection is dropped.
    pub handshake_timeout: Duration,
    /// How long a client may take none of the echoes before it is dropped.
    pub send_timeout: Duration,
    /// Accept permessage-deflate when a client offers it.
    pub compression: bool,
    /// Echo messages smaller than this many bytes uncompressed.
    pub compression_threshold: usize,
    /// The largest window either side compresses with, 2^bits bytes (9 to
    /// 15): ours, and the one a client is allowed.
    pub compression_window_bits: u8,
    /// zlib's memory level for our compressor (1 to 9).
    pub compression_mem_level: u8,
    /// Keepalive pings to each client, if any.
    pub keepalive: Option<KeepaliveSettings>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_message_size: 16 * 1024 * 1024,
            tls: None,
            handshake_timeout: Duration::from_secs(5),
            send_timeout: Duration::from_secs(30),
            compression: true,
            compression_threshold: 1024,
            compression_window_bits: deflate::SERVER_WINDOW_BITS,
            compression_mem_level: deflate::MEM_LEVEL,
            keepalive: None,
        }
    }
}

impl ServerOptions {
    fn limits(&self) -> Limits {
        Limits {
            send_timeout: self.send_timeout,
            disconnect_timeout: CLOSE_LINGER,
            peer: "client",
            keepalive: self.keepalive,
        }
    }
}

/// A bound echo server, ready to [`run`](Server::run).
pub(crate) struct Server {
    listener: TcpListener,
    address: SocketAddr,
    options: ServerOptions,
}

impl Server {
    /// Binds `addr` (`host:port`; port 0 picks a free one). Called from
    /// within a runtime's context (the listener registers with it), but
    /// does not wait: it serves async code and plain threads alike.
    pub fn bind(addr: &str, options: ServerOptions) -> Result<Self> {
        let cannot = |e: std::io::Error| {
            Error::Connect(format!(
                "cannot listen on {addr}: {}; pick another port with -p",
                crate::error::io_reason(&e)
            ))
        };
        let listener = std::net::TcpListener::bind(addr).map_err(cannot)?;
        listener.set_nonblocking(true).map_err(cannot)?;
        let listener = TcpListener::from_std(listener).map_err(cannot)?;
        let address = listener.local_addr().map_err(cannot)?;
        Ok(Self {
            listener,
            address,
            options,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
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
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    if crate::os::out_of_resources(&e) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            };
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
    // How many connections this thread serves, for each of them to see.
    let served = Arc::new(AtomicUsize::new(0));
    loop {
        tokio::select! {
            handoff = streams.recv() => {
                let Some((stream, options, stopped)) = handoff else { break };
                if let Ok(stream) = TcpStream::from_std(stream) {
                    clients.spawn(serve(stream, options, stopped, served.clone()));
                    served.store(clients.len(), Ordering::Relaxed);
                }
            }
            Some(_) = clients.join_next(), if !clients.is_empty() => {
                served.store(clients.len(), Ordering::Relaxed);
            }
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

/// An echo server on 127.0.0.1, on a port of its own, serving in the
/// background until it is dropped (then it closes its clients with 1001).
/// It is the server `ws echo-server` runs, with its defaults: it echoes
/// text and binary messages, answers pings, and accepts permessage-deflate.
/// Made for tests and examples of clients, without a network.
///
/// ```
/// use ws::{Connection, ConnectOptions, EchoServer, Message};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// connection.send_text("hello".into())?;
/// assert_eq!(connection.recv(None)?, Message::Text("hello".into()));
/// # Ok::<(), ws::Error>(())
/// ```
pub struct EchoServer {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl EchoServer {
    /// Binds a free port on 127.0.0.1 and starts serving.
    ///
    /// ```
    /// let server = ws::EchoServer::start()?;
    /// assert!(server.local_addr().ip().is_loopback());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn start() -> Result<Self> {
        let server = {
            let _context = runtime()?.enter();
            Server::bind("127.0.0.1:0", ServerOptions::default())?
        };
        let address = server.local_addr();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        runtime()?.spawn(server.run(1, async {
            let _ = stopped.await;
        }));
        Ok(Self {
            address,
            stop: Some(stop),
        })
    }

    /// The address it listens on.
    ///
    /// ```
    /// let server = ws::EchoServer::start()?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Its `ws://` URL.
    ///
    /// ```
    /// let server = ws::EchoServer::start()?;
    /// assert_eq!(server.url(), format!("ws://{}/", server.local_addr()));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn url(&self) -> String {
        format!("ws://{}/", self.address)
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn serve(
    stream: TcpStream,
    options: ServerOptions,
    stopped: watch::Receiver<bool>,
    served: Arc<AtomicUsize>,
) {
    let limit = options.handshake_timeout;
    match options.tls.clone() {
        Some(tls) => {
            let handshake = async {
                let stream = tokio_rustls::TlsAcceptor::from(tls)
                    .accept(stream)
                    .await
                    .ok()?;
                accept(stream, &options).await
            };
            if let Ok(Some(ws)) = tokio::time::timeout(limit, handshake).await {
                echo(Engine::new(ws, options.limits()), stopped, served).await;
            }
        }
        None => {
            if let Ok(Some(ws)) = tokio::time::timeout(limit, accept(stream, &options)).await {
                echo(Engine::new(ws, options.limits()), stopped, served).await;
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
            agreed = deflate::answer(request, &mut response, options.compression_window_bits);
        }
        Ok(response)
    };
    let stream = DeflateStream::new(stream, Role::Server);
    let mut ws = tokio_tungstenite::accept_hdr_async_with_config(stream, answer, config)
        .await
        .ok()?;
    let tuning = deflate::Tuning {
        threshold: options.compression_threshold,
        window_bits: options.compression_window_bits,
        mem_level: options.compression_mem_level,
    };
    ws.get_mut()
        .enable(agreed, options.max_message_size, tuning);
    Some(ws)
}

/// Echoes until the client closes, the connection fails or the server
/// stops (then it closes with 1001). The engine reads while echoes are
/// written, and pauses reads while echoes wait; each wake-up echoes all
/// there is to read, and the stop and the thread's count of connections
/// (`served`) are looked at once per wake-up.
async fn echo<S>(
    mut engine: Engine<S>,
    mut stopped: watch::Receiver<bool>,
    served: Arc<AtomicUsize>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    engine.limit_backlog(ECHO_BACKLOG);
    let stop = stopped.changed();
    tokio::pin!(stop);
    let stopping = poll_fn(|cx| {
        if stop.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        engine.set_read_batch(match served.load(Ordering::Relaxed) {
            0 | 1 => LONE_READ_BATCH,
            _ => SHARED_READ_BATCH,
        });
        loop {
            match engine.poll_step(cx) {
                Poll::Ready(Step::Message(message)) => {
                    if message.is_text() || message.is_binary() {
                        engine.queue(message);
                    }
                }
                Poll::Ready(Step::Ended(_)) => return Poll::Ready(false),
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await;
    if stopping {
        engine.close_and_wait(1001, "").await;
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
