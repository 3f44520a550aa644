//! A host program with functions of its own for Rhai and a custom
//! [`ws::Sink`], both feeding one metrics struct the host reads
//! after the script: the sink counts the `Sent …` lines the console shows
//! (the terminal shows nothing), and the host function `record` counts
//! the replies the script hands it.
//!
//! Run with: `cargo run --example metrics`

use std::io;
use std::sync::{Arc, Mutex};

use ws::{Console, Line, Mark, Sink};

/// What the host wants to know about a run.
#[derive(Debug, Default)]
struct Metrics {
    sent: usize,
    replies: usize,
    reply_bytes: usize,
}

/// A sink that only counts.
struct Counter(Arc<Mutex<Metrics>>);

impl Sink for Counter {
    fn line(&mut self, line: &Line) -> io::Result<()> {
        let mut metrics = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if line.mark == Mark::Sent {
            metrics.sent += 1;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn main() -> ws::Result<()> {
    let server = ws::EchoServer::start()?;
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    let console = Console::silent();
    console.add_sink(Box::new(Counter(metrics.clone())));

    let mut session = ws::Session::builder()
        .url(server.url())
        .console(console)
        // Confirm each send with a `Sent …` line, as the interactive
        // session does, and keep messages for `recv` all the same.
        .interactive(true)
        .keep_from_start(true)
        .build()?;
    // The host's own functions, called from Rhai like any other.
    let counted = metrics.clone();
    session
        .engine_mut()
        .register_fn("order", |id: i64| format!(r#"{{"order": {id}}}"#))
        .register_fn("record", move |reply: &str| {
            let mut metrics = counted.lock().unwrap_or_else(|e| e.into_inner());
            metrics.replies += 1;
            metrics.reply_bytes += reply.len();
        });

    let script = r#"
        for id in 1..=5 {
            text(order(id));
            record(recv());
        }
    "#;
    session.run_script("orders", script)?;
    session.close_all(1000);
    session.console().finish();

    let metrics = metrics.lock().unwrap_or_else(|e| e.into_inner());
    println!("{metrics:?}");
    assert_eq!((metrics.sent, metrics.replies), (5, 5));
    Ok(())
}
