//! The benchmark of `ws` (`cargo bench --bench load`, or
//! `scripts/bench.sh`): one-shot `ws text` wall time and memory, `ws
//! listen` draining a burst to a file, and `ws echo-server` under load next
//! to the stack's own echo server. Everything runs on 127.0.0.1 on ports
//! the system picks.
//!
//! The pieces are also commands for measuring by hand:
//! `load sink|blast|echo --port P`, `load echo-load --url URL …` and
//! `load layers --url URL …`.

mod client;
mod layers;
mod measure;
mod peak;
mod servers;
mod terminal;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clap::{Parser, Subcommand};

use client::Load;
use measure::Spread;

#[derive(Parser)]
#[command(name = "load", about = "Measures ws on 127.0.0.1")]
struct Cli {
    #[command(subcommand)]
    command: Option<Step>,
}

#[derive(Subcommand)]
enum Step {
    /// Every measurement (the default)
    Suite(suite::Options),
    /// Counts what each client sends; one line per connection on stdout
    Sink {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Sends COUNT messages of SIZE letters on each connection, then closes
    Blast {
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, default_value_t = 1_000_000)]
        count: usize,
        #[arg(long, default_value_t = 64)]
        size: usize,
    },
    /// The stack's own echo server
    Echo {
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Loads an echo server and prints the echo rate and round trips
    EchoLoad {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1)]
        connections: usize,
        #[arg(long, default_value_t = 64)]
        size: usize,
        #[arg(long, default_value_t = 1)]
        window: usize,
        #[arg(long, default_value_t = 5.0)]
        duration: f64,
        #[arg(long)]
        binary: bool,
        /// Offer permessage-deflate, as `ws` does (the server decides)
        #[arg(long)]
        compressed: bool,
    },
    /// Times one bulk exchange through the library's Connection, through
    /// ws's stack in one task and through tokio-tungstenite in one task
    Layers {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 1000)]
        messages: usize,
        #[arg(long, default_value_t = 65536)]
        size: usize,
        #[arg(long, default_value_t = 64)]
        window: usize,
        #[arg(long, default_value_t = 11)]
        rounds: usize,
    },
}

mod suite;

fn main() {
    // `cargo bench` adds `--bench`.
    let args = std::env::args().filter(|a| a != "--bench");
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        None => suite::run(&suite::Options::default()),
        Some(Step::Suite(options)) => suite::run(&options),
        Some(step) => serve_or_load(step),
    };
    if let Err(e) = result {
        eprintln!("load: {e}");
        std::process::exit(1);
    }
}

fn serve_or_load(step: Step) -> Result<(), String> {
    match step {
        Step::Sink { port } => {
            let (done, reports) = std::sync::mpsc::channel();
            let address = background(port, |l| servers::sink(l, done))?;
            eprintln!("listening on ws://{address}/");
            for r in reports {
                println!(
                    "received {} messages, {} bytes in {:.3} s",
                    r.messages, r.bytes, r.seconds
                );
            }
            Ok(())
        }
        Step::Blast { port, count, size } => {
            let address = background(port, move |l| servers::blast(l, count, size))?;
            wait_forever(address)
        }
        Step::Echo { port } => wait_forever(background(port, servers::echo)?),
        Step::Layers {
            url,
            messages,
            size,
            window,
            rounds,
        } => {
            let shape = layers::Shape {
                messages,
                size,
                window,
            };
            layers::run(&url, shape, rounds.max(1))
        }
        Step::EchoLoad {
            url,
            connections,
            size,
            window,
            duration,
            binary,
            compressed,
        } => {
            let load = Load {
                url,
                connections,
                size,
                window,
                duration: Duration::from_secs_f64(duration),
                binary,
                compressed,
            };
            let r = client::run(&load)?;
            println!(
                "{} echoes in {:.2} s: {:.0} msg/s, rtt p50 {:.0} us, p99 {:.0} us",
                r.echoes,
                r.seconds,
                r.rate(),
                r.rtt_p50_us,
                r.rtt_p99_us
            );
            Ok(())
        }
        Step::Suite(_) => unreachable!("handled by main"),
    }
}

fn wait_forever(address: SocketAddr) -> Result<(), String> {
    println!("listening on ws://{address}/");
    loop {
        std::thread::park();
    }
}

/// Starts a server on 127.0.0.1:`port` in a thread with a runtime of its
/// own (two workers); returns its address.
fn background<F, Fut>(port: u16, serve: F) -> Result<SocketAddr, String>
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
        .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    std::thread::spawn(move || runtime.block_on(serve(listener)));
    Ok(address)
}

/// Starts `program args…`, which prints its address on its first line
/// (`Running server on HOST:PORT` or `listening on ws://HOST:PORT/`).
fn spawn_server(program: &str, args: &[&str]) -> Result<(Child, String), String> {
    let mut child = Command::new(program)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let mut first = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    BufReader::new(stdout)
        .read_line(&mut first)
        .map_err(|e| e.to_string())?;
    let port = first
        .trim()
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .ok_or_else(|| format!("{program} printed {first:?}, not its address"))?;
    Ok((child, format!("ws://127.0.0.1:{port}/")))
}

/// A table row: label, then the cells.
fn row(label: &str, cells: &[String]) {
    print!("{label:<34}");
    for cell in cells {
        print!("{cell:>26}");
    }
    println!();
}

fn spread_of(values: impl IntoIterator<Item = f64>) -> Spread {
    Spread::of(values.into_iter().collect())
}
