//! Where a bulk exchange's time goes, layer by layer: the same exchange
//! (N text messages of S letters, W in flight, every echo compared) run
//! through the library's blocking `Connection` (the script's path: the
//! connection's task on the runtime's thread, the caller on its own),
//! through ws's own stack in one task (`ws::internals::dial_compressed`:
//! the compression layer, its read-ahead and ws's tungstenite settings,
//! no hand-over between threads), and through tokio-tungstenite with its
//! defaults in one task. Medians of several rounds, interleaved.

use std::time::Instant;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Wire;

/// One exchange's shape.
#[derive(Clone, Copy)]
pub struct Shape {
    pub messages: usize,
    pub size: usize,
    pub window: usize,
}

/// Prints each layer's median time for `rounds` rounds.
pub fn run(url: &str, shape: Shape, rounds: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let mut times = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..rounds {
        times[0].push(blocking(url, shape)?);
        times[1].push(runtime.block_on(one_task(url, shape, true))?);
        times[2].push(runtime.block_on(one_task(url, shape, false))?);
    }
    let names = [
        "the library's Connection (two threads)",
        "ws's stack in one task",
        "tokio-tungstenite's defaults in one task",
    ];
    let megabytes = (shape.messages * shape.size) as f64 / 1e6;
    for (name, mut spread) in names.into_iter().zip(times) {
        spread.sort_by(f64::total_cmp);
        let median = spread[spread.len() / 2];
        println!("{name:42} {median:.4} s  {:7.1} MB/s", megabytes / median);
    }
    Ok(())
}

fn blocking(url: &str, shape: Shape) -> Result<f64, String> {
    let connection =
        ws::Connection::open(url, &ws::ConnectOptions::default()).map_err(|e| e.to_string())?;
    let pad = "x".repeat(shape.size);
    let window = shape.window.min(shape.messages);
    let check = |connection: &ws::Connection| match connection.recv(None) {
        Ok(ws::Message::Text(text)) if text == pad => Ok(()),
        other => Err(format!("an echo differs: {other:?}")),
    };
    let start = Instant::now();
    for _ in 0..window {
        connection
            .send_text(pad.clone())
            .map_err(|e| e.to_string())?;
    }
    for _ in window..shape.messages {
        check(&connection)?;
        connection
            .send_text(pad.clone())
            .map_err(|e| e.to_string())?;
    }
    for _ in 0..window {
        check(&connection)?;
    }
    Ok(start.elapsed().as_secs_f64())
}

async fn one_task(url: &str, shape: Shape, ours: bool) -> Result<f64, String> {
    if ours {
        let stream = ws::internals::dial_compressed(url)
            .await
            .map_err(|e| e.to_string())?;
        exchange(stream, shape).await
    } else {
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .map_err(|e| e.to_string())?;
        exchange(stream, shape).await
    }
}

async fn exchange<S>(mut stream: S, shape: Shape) -> Result<f64, String>
where
    S: futures_util::Sink<Wire, Error = tokio_tungstenite::tungstenite::Error>
        + futures_util::Stream<Item = Result<Wire, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    let pad = "x".repeat(shape.size);
    let window = shape.window.min(shape.messages);
    let start = Instant::now();
    for _ in 0..window {
        stream
            .feed(Wire::text(pad.clone()))
            .await
            .map_err(|e| e.to_string())?;
    }
    stream.flush().await.map_err(|e| e.to_string())?;
    for sent in window..shape.messages + window {
        let echo = stream.next().await.ok_or("the server closed early")?;
        let echo = echo.map_err(|e| e.to_string())?;
        // Into a String of its own, as the library's messages are.
        if echo.to_text().map(str::to_owned).ok().as_deref() != Some(pad.as_str()) {
            return Err("an echo differs".into());
        }
        if sent < shape.messages {
            stream
                .send(Wire::text(pad.clone()))
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(start.elapsed().as_secs_f64())
}
