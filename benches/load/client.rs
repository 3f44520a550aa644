//! The load client: `connections` websocket connections on one thread, each
//! keeping up to `window` messages in flight, checking that every echo
//! comes back whole, of the right type and in order, for `duration`. With
//! `compressed`, each connection offers permessage-deflate through `ws`'s
//! own layer (tungstenite alone has none).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use futures_util::{FutureExt, Sink, SinkExt, Stream, StreamExt};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// One echo-load run.
#[derive(Clone, Debug)]
pub struct Load {
    pub url: String,
    pub connections: usize,
    pub size: usize,
    pub window: usize,
    pub duration: Duration,
    pub binary: bool,
    pub compressed: bool,
}

/// What a run measured.
#[derive(Debug)]
pub struct Report {
    pub echoes: u64,
    pub seconds: f64,
    pub rtt_p50_us: f64,
    pub rtt_p99_us: f64,
}

impl Report {
    pub fn rate(&self) -> f64 {
        self.echoes as f64 / self.seconds
    }
}

/// Runs the load on a runtime of one thread.
pub fn run(load: &Load) -> Result<Report, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let start = Instant::now();
        let deadline = start + load.duration;
        let tasks: Vec<_> = (0..load.connections)
            .map(|id| tokio::spawn(connection(load.clone(), id, deadline)))
            .collect();
        let mut rtts = Vec::new();
        for task in tasks {
            rtts.extend(task.await.map_err(|e| e.to_string())??);
        }
        let seconds = start.elapsed().as_secs_f64();
        rtts.sort_unstable();
        let pick = |q: f64| rtts.get(((rtts.len() as f64 - 1.0) * q) as usize).copied();
        let micros = |d: Option<Duration>| d.map_or(0.0, |d| d.as_secs_f64() * 1e6);
        Ok(Report {
            echoes: rtts.len() as u64,
            seconds,
            rtt_p50_us: micros(pick(0.5)),
            rtt_p99_us: micros(pick(0.99)),
        })
    })
}

/// The payload of message `sequence`: its number, then letters.
fn payload(id: usize, sequence: u64, size: usize) -> Vec<u8> {
    let mut bytes = format!("{id}:{sequence}:").into_bytes();
    bytes.extend((b'a'..=b'z').cycle().take(size.saturating_sub(bytes.len())));
    bytes.truncate(size.max(1));
    bytes
}

async fn connection(load: Load, id: usize, deadline: Instant) -> Result<Vec<Duration>, String> {
    let cannot = |e: &dyn std::fmt::Display| format!("cannot connect to {}: {e}", load.url);
    if load.compressed {
        let ws = ws::internals::dial_compressed(&load.url)
            .await
            .map_err(|e| cannot(&e))?;
        return exchange(ws, &load, id, deadline).await;
    }
    let (ws, _) = tokio_tungstenite::connect_async(load.url.as_str())
        .await
        .map_err(|e| cannot(&e))?;
    exchange(ws, &load, id, deadline).await
}

async fn exchange<W>(
    ws: W,
    load: &Load,
    id: usize,
    deadline: Instant,
) -> Result<Vec<Duration>, String>
where
    W: Stream<Item = Result<Message, WsError>> + Sink<Message, Error = WsError>,
{
    let (mut sink, mut stream) = ws.split();
    let make = |sequence| {
        let bytes = payload(id, sequence, load.size);
        if load.binary {
            Message::binary(bytes)
        } else {
            Message::text(String::from_utf8(bytes).expect("ascii"))
        }
    };
    let mut in_flight: VecDeque<(u64, Instant)> = VecDeque::new();
    let mut rtts = Vec::new();
    let mut sent = 0;
    loop {
        let open = Instant::now() < deadline;
        while open && in_flight.len() < load.window {
            sink.feed(make(sent)).await.map_err(|e| e.to_string())?;
            in_flight.push_back((sent, Instant::now()));
            sent += 1;
        }
        sink.flush().await.map_err(|e| e.to_string())?;
        if in_flight.is_empty() {
            break;
        }
        // One echo, then every echo already there, before refilling.
        let mut next = stream.next().await;
        loop {
            let (sequence, at) = in_flight.pop_front().ok_or("an echo nobody sent")?;
            let echo = next
                .ok_or("the server closed early")?
                .map_err(|e| e.to_string())?;
            if echo != make(sequence) {
                return Err(format!("echo {sequence} of connection {id} differs"));
            }
            rtts.push(at.elapsed());
            if in_flight.is_empty() {
                break;
            }
            match stream.next().now_or_never() {
                Some(ready) => next = ready,
                None => break,
            }
        }
    }
    let _ = sink.close().await;
    Ok(rtts)
}
