//! A websocket server for tests, on 127.0.0.1 with an ephemeral port, in a
//! thread of its own with its own runtime. It records every frame it
//! receives (and how each connection ended), echoes text and binary
//! messages when asked to, plays a script on each connection ([`Action`]:
//! send messages, close with a code, drop the TCP connection), and takes
//! the same orders from the test while it runs. Waits have a timeout; none
//! is a fixed sleep. Dropping a server that no client connected to fails
//! the test, unless it was told so ([`TestServer::assert_unused`]).

use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::pty::PATIENCE;

/// Something the server saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Connected,
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// The client's close frame: code and reason (1005 and "" without a code).
    Close(u16, String),
    /// The TCP connection ended.
    Gone,
}

/// What the server does on a connection: the script given at start, or an
/// order from the test.
#[derive(Clone, Debug)]
pub enum Action {
    /// Sends a message (text, binary, ping, pong; the frame is flushed).
    Send(Message),
    /// Sends the same message this many times, flushing once at the end.
    Repeat(Message, usize),
    /// Sends a close frame with this code and reason, then records the
    /// client's answer.
    Close(u16, String),
    /// Drops the TCP connection without a close frame.
    Drop,
}

impl Action {
    /// A text message.
    pub fn text(text: &str) -> Action {
        Action::Send(Message::text(text))
    }

    /// A close frame.
    pub fn close(code: u16, reason: &str) -> Action {
        Action::Close(code, reason.into())
    }
}

type Log = Arc<(Mutex<Vec<Frame>>, Condvar)>;

/// A recording websocket server.
pub struct TestServer {
    pub address: SocketAddr,
    log: Log,
    orders: Arc<Mutex<Vec<UnboundedSender<Action>>>>,
    requests: Requests,
    unused_ok: bool,
}

/// The handshake headers of each connection, in order.
type Requests = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// How a server treats each connection.
#[derive(Clone)]
struct Behaviour {
    echo: bool,
    script: Vec<Action>,
    /// Whether the client's close frame is answered (else the TCP
    /// connection ends as soon as it is read).
    answers_close: bool,
}

impl Default for Behaviour {
    /// Records, answers the close, plays nothing, echoes nothing.
    fn default() -> Self {
        Behaviour {
            echo: false,
            script: Vec::new(),
            answers_close: true,
        }
    }
}

impl TestServer {
    /// A server that echoes text and binary messages.
    pub fn echo() -> TestServer {
        Self::start(Behaviour {
            echo: true,
            ..Behaviour::default()
        })
    }

    /// A server that only records (and answers pings).
    pub fn silent() -> TestServer {
        Self::start(Behaviour::default())
    }

    /// A server that records, and ends the TCP connection as soon as it
    /// reads the client's close frame, without answering it (as some
    /// servers do).
    pub fn unanswering() -> TestServer {
        Self::start(Behaviour {
            answers_close: false,
            ..Behaviour::default()
        })
    }

    /// A server that plays `script` on each connection as soon as the
    /// handshake is done, then records (without echoing) until the end.
    pub fn scripted(script: Vec<Action>) -> TestServer {
        Self::start(Behaviour {
            script,
            ..Behaviour::default()
        })
    }

    fn start(behaviour: Behaviour) -> TestServer {
        let log: Log = Arc::default();
        let orders: Arc<Mutex<Vec<UnboundedSender<Action>>>> = Arc::default();
        let (thread_log, thread_orders) = (log.clone(), orders.clone());
        let requests: Requests = Arc::default();
        let thread_requests = requests.clone();
        let address = serve_on_thread(move |listener| async move {
            while let Ok((stream, _)) = listener.accept().await {
                let Some(ws) = handshake(stream, &thread_requests).await else {
                    continue;
                };
                let (order_tx, order_rx) = unbounded_channel();
                thread_orders.lock().unwrap().push(order_tx);
                let behaviour = behaviour.clone();
                tokio::spawn(serve(ws, behaviour, thread_log.clone(), order_rx));
            }
        });
        TestServer {
            address,
            log,
            orders,
            requests,
            unused_ok: false,
        }
    }

    /// Asserts that no client ever connected, and ends the server without
    /// the check of `Drop`.
    pub fn assert_unused(mut self) {
        self.unused_ok = true;
        let frames = self.frames();
        assert!(
            !frames.contains(&Frame::Connected),
            "no client may connect; the server saw {frames:?}"
        );
    }

    /// Lets the server be dropped without a client having connected.
    pub fn allow_unused(mut self) -> Self {
        self.unused_ok = true;
        self
    }

    /// `ws://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("ws://{}/", self.address)
    }

    /// Every frame seen so far.
    pub fn frames(&self) -> Vec<Frame> {
        self.log.0.lock().unwrap().clone()
    }

    /// The text messages received so far.
    pub fn texts(&self) -> Vec<String> {
        self.frames()
            .into_iter()
            .filter_map(|f| match f {
                Frame::Text(t) => Some(t),
                _ => None,
            })
            .collect()
    }

    /// Waits until a frame matches; returns it.
    pub fn wait_for(&self, what: &str, matches: impl Fn(&Frame) -> bool) -> Frame {
        let deadline = Instant::now() + PATIENCE;
        let (lock, ready) = &*self.log;
        let mut frames = lock.lock().unwrap();
        loop {
            if let Some(frame) = frames.iter().find(|f| matches(f)) {
                return frame.clone();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "the server never saw {what}; it saw {frames:?}"
            );
            frames = ready.wait_timeout(frames, left).unwrap().0;
        }
    }

    /// Waits for the client's close frame; returns its code and reason.
    pub fn wait_close(&self) -> (u16, String) {
        match self.wait_for("a close frame", |f| matches!(f, Frame::Close(..))) {
            Frame::Close(code, reason) => (code, reason),
            _ => unreachable!(),
        }
    }

    /// Waits for the connection.
    pub fn wait_connected(&self) {
        self.wait_for("a connection", |f| *f == Frame::Connected);
    }

    /// The handshake headers of the (last) connection, names in lower case.
    pub fn request_headers(&self) -> Vec<(String, String)> {
        self.wait_connected();
        let requests = self.requests.lock().unwrap();
        requests.last().cloned().unwrap_or_default()
    }

    /// The value of one handshake header of the (last) connection.
    pub fn request_header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        self.request_headers()
            .into_iter()
            .find_map(|(n, v)| (n == name).then_some(v))
    }

    /// Waits until the (last) client's connection has ended.
    pub fn wait_gone(&self) {
        self.wait_for("the end of the connection", |f| *f == Frame::Gone);
    }

    /// Has the (last) client's task carry out `action`.
    pub fn order(&self, action: Action) {
        self.wait_connected();
        let orders = self.orders.lock().unwrap();
        orders.last().expect("a client").send(action).ok();
    }

    /// Sends a text message to the (last) client.
    pub fn send_text(&self, text: &str) {
        self.order(Action::text(text));
    }

    /// Closes the (last) client's connection with a code and reason.
    pub fn close(&self, code: u16, reason: &str) {
        self.order(Action::close(code, reason));
    }

    /// Drops the (last) client's TCP connection without a close frame.
    pub fn drop_connection(&self) {
        self.order(Action::Drop);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.unused_ok || std::thread::panicking() {
            return;
        }
        let frames = self.frames();
        assert!(
            frames.contains(&Frame::Connected),
            "no client connected to the test server (use allow_unused if that is expected)"
        );
    }
}

fn record(log: &Log, frame: Frame) {
    log.0.lock().unwrap().push(frame);
    log.1.notify_all();
}

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

/// Accepts the websocket handshake, keeping its headers and choosing the
/// first subprotocol offered. (The callback's error type is tungstenite's.)
#[allow(clippy::result_large_err)]
async fn handshake(stream: tokio::net::TcpStream, requests: &Requests) -> Option<Ws> {
    use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
    let choose = |request: &Request, mut response: Response| {
        let headers = request
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
            .collect();
        requests.lock().unwrap().push(headers);
        let offered = request.headers().get("sec-websocket-protocol");
        if let Some(first) = offered
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
        {
            response
                .headers_mut()
                .insert("sec-websocket-protocol", first);
        }
        Ok(response)
    };
    tokio_tungstenite::accept_hdr_async(stream, choose)
        .await
        .ok()
}

async fn serve(
    mut ws: Ws,
    behaviour: Behaviour,
    log: Log,
    mut orders: tokio::sync::mpsc::UnboundedReceiver<Action>,
) {
    record(&log, Frame::Connected);
    let mut live = true;
    for action in behaviour.script {
        live = live && act(&mut ws, action).await;
    }
    while live {
        tokio::select! {
            order = orders.recv() => match order {
                Some(action) => live = act(&mut ws, action).await,
                None => break,
            },
            incoming = ws.next() => {
                let Some(Ok(message)) = incoming else { break };
                let Some(frame) = frame_of(&message) else { continue };
                record(&log, frame);
                if message.is_close() && !behaviour.answers_close {
                    break;
                }
                if behaviour.echo && (message.is_text() || message.is_binary()) {
                    let _ = ws.send(message).await;
                } else {
                    let _ = ws.flush().await;
                }
            }
        }
    }
    record(&log, Frame::Gone);
}

/// Carries out one action; false when the connection is to end now.
async fn act(ws: &mut Ws, action: Action) -> bool {
    match action {
        Action::Send(message) => {
            let _ = ws.send(message).await;
        }
        Action::Repeat(message, count) => {
            for _ in 0..count {
                let _ = ws.feed(message.clone()).await;
            }
            let _ = ws.flush().await;
        }
        Action::Close(code, reason) => {
            let frame = CloseFrame {
                code: CloseCode::from(code),
                reason: reason.into(),
            };
            let _ = ws.close(Some(frame)).await;
        }
        Action::Drop => return false,
    }
    true
}

fn frame_of(message: &Message) -> Option<Frame> {
    Some(match message {
        Message::Text(t) => Frame::Text(t.to_string()),
        Message::Binary(b) => Frame::Binary(b.to_vec()),
        Message::Ping(p) => Frame::Ping(p.to_vec()),
        Message::Pong(p) => Frame::Pong(p.to_vec()),
        Message::Close(c) => Frame::Close(
            c.as_ref().map_or(1005, |c| c.code.into()),
            c.as_ref().map_or(String::new(), |c| c.reason.to_string()),
        ),
        Message::Frame(_) => return None,
    })
}

/// Binds a listener on 127.0.0.1 (port 0) and runs `serve` on it in a
/// thread with a runtime of its own; returns the address.
pub fn serve_on_thread<F, Fut>(serve: F) -> SocketAddr
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            serve(listener).await;
        });
    });
    rx.recv_timeout(PATIENCE).expect("the test server started")
}

/// A server that accepts connections and never answers (a handshake that
/// never ends): each accepted stream is handed over, to be held.
pub fn silent_server() -> (SocketAddr, std::sync::mpsc::Receiver<tokio::net::TcpStream>) {
    let (tx, accepted) = std::sync::mpsc::channel();
    let address = spawn_server(move |stream| {
        let _ = tx.send(stream);
        async {}
    });
    (address, accepted)
}

/// Runs `handle` on every TCP connection to a new listener on 127.0.0.1.
pub fn spawn_server<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    serve_on_thread(move |listener| async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(handle(stream));
        }
    })
}
