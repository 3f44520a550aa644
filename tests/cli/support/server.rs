//! A websocket server for tests, on 127.0.0.1 with an ephemeral port, in a
//! thread of its own. It records every frame it receives (and how each
//! connection ended), echoes text and binary messages when asked to, and
//! takes orders from the test: send a message, close with a code, drop the
//! TCP connection. Waits have a timeout; none is a fixed sleep.

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

/// An order from the test to the connected client's task.
enum Order {
    Text(String),
    Close(u16, String),
    Drop,
}

type Log = Arc<(Mutex<Vec<Frame>>, Condvar)>;

/// A recording websocket server.
pub struct TestServer {
    pub address: SocketAddr,
    log: Log,
    orders: Arc<Mutex<Vec<UnboundedSender<OrderBox>>>>,
}

struct OrderBox(Order);

impl TestServer {
    /// A server that echoes text and binary messages.
    pub fn echo() -> TestServer {
        Self::start(true)
    }

    /// A server that only records (and answers pings).
    pub fn silent() -> TestServer {
        Self::start(false)
    }

    fn start(echo: bool) -> TestServer {
        let log: Log = Arc::default();
        let orders: Arc<Mutex<Vec<UnboundedSender<OrderBox>>>> = Arc::default();
        let (tx, rx) = std::sync::mpsc::channel();
        let (thread_log, thread_orders) = (log.clone(), orders.clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                while let Ok((stream, _)) = listener.accept().await {
                    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                        continue;
                    };
                    let (order_tx, order_rx) = unbounded_channel();
                    thread_orders.lock().unwrap().push(order_tx);
                    tokio::spawn(serve(ws, echo, thread_log.clone(), order_rx));
                }
            });
        });
        let address = rx.recv_timeout(PATIENCE).expect("the test server started");
        TestServer {
            address,
            log,
            orders,
        }
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

    fn order(&self, order: Order) {
        self.wait_connected();
        let orders = self.orders.lock().unwrap();
        orders.last().expect("a client").send(OrderBox(order)).ok();
    }

    /// Sends a text message to the (last) client.
    pub fn send_text(&self, text: &str) {
        self.order(Order::Text(text.into()));
    }

    /// Closes the (last) client's connection with a code and reason.
    pub fn close(&self, code: u16, reason: &str) {
        self.order(Order::Close(code, reason.into()));
    }

    /// Drops the (last) client's TCP connection without a close frame.
    pub fn drop_connection(&self) {
        self.order(Order::Drop);
    }
}

fn record(log: &Log, frame: Frame) {
    log.0.lock().unwrap().push(frame);
    log.1.notify_all();
}

async fn serve(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    echo: bool,
    log: Log,
    mut orders: tokio::sync::mpsc::UnboundedReceiver<OrderBox>,
) {
    record(&log, Frame::Connected);
    loop {
        tokio::select! {
            order = orders.recv() => match order.map(|o| o.0) {
                Some(Order::Text(text)) => { let _ = ws.send(Message::text(text)).await; }
                Some(Order::Close(code, reason)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: reason.into() };
                    let _ = ws.close(Some(frame)).await;
                }
                Some(Order::Drop) | None => break,
            },
            incoming = ws.next() => {
                let Some(Ok(message)) = incoming else { break };
                let frame = match &message {
                    Message::Text(t) => Frame::Text(t.to_string()),
                    Message::Binary(b) => Frame::Binary(b.to_vec()),
                    Message::Ping(p) => Frame::Ping(p.to_vec()),
                    Message::Pong(p) => Frame::Pong(p.to_vec()),
                    Message::Close(c) => Frame::Close(
                        c.as_ref().map_or(1005, |c| c.code.into()),
                        c.as_ref().map_or(String::new(), |c| c.reason.to_string()),
                    ),
                    Message::Frame(_) => continue,
                };
                record(&log, frame);
                if echo && (message.is_text() || message.is_binary()) {
                    let _ = ws.send(message).await;
                } else {
                    let _ = ws.flush().await;
                }
            }
        }
    }
    record(&log, Frame::Gone);
}
