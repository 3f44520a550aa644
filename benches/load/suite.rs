//! The measurements, each checked: a run that loses messages is an error,
//! not a figure.

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use super::client::{self, Load};
use super::measure;
use super::terminal;
use super::{background, row, servers, spawn_server, spread_of};

/// What to measure.
#[derive(clap::Args, Clone, Debug)]
pub struct Options {
    /// The ws binary
    #[arg(long, default_value = env!("CARGO_BIN_EXE_ws"))]
    pub ws: String,
    /// Measurements to run
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "oneshot,listen,send,prompt,echo"
    )]
    pub sections: Vec<String>,
    /// Counted runs of each one-shot command
    #[arg(long, default_value_t = 10)]
    pub runs: usize,
    /// Messages of the listen drain
    #[arg(long, default_value_t = 1_000_000)]
    pub listen_count: usize,
    /// Counted runs of the listen drain
    #[arg(long, default_value_t = 3)]
    pub listen_runs: usize,
    /// Messages the Rhai send loop sends
    #[arg(long, default_value_t = 200_000)]
    pub send_count: usize,
    /// Seconds of each echo-load run
    #[arg(long, default_value_t = 5.0)]
    pub echo_seconds: f64,
}

impl Default for Options {
    fn default() -> Self {
        <Defaults as clap::Parser>::parse_from(["suite"]).options
    }
}

/// A parser of [`Options`] alone, for their defaults.
#[derive(clap::Parser)]
struct Defaults {
    #[command(flatten)]
    options: Options,
}

pub fn run(options: &Options) -> Result<(), String> {
    println!("ws: {}", options.ws);
    let wants = |name: &str| options.sections.iter().any(|s| s == name);
    if wants("oneshot") {
        oneshot(options)?;
    }
    if wants("listen") {
        listen(options)?;
    }
    if wants("send") {
        send(options)?;
    }
    if wants("prompt") {
        prompt(options)?;
    }
    if wants("echo") {
        echo(options)?;
    }
    Ok(())
}

/// `ws text URL hello` against a sink: wall time and peak memory.
fn oneshot(options: &Options) -> Result<(), String> {
    let (done, reports) = mpsc::channel();
    let address = background(0, |l| servers::sink(l, done))?;
    let url = format!("ws://{address}/");
    let mut runs = Vec::new();
    for i in 0..=options.runs {
        let run = measure::time(
            Command::new(&options.ws)
                .args(["text", &url, "hello"])
                .stdout(Stdio::null()),
        )?;
        let seen = reports
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "the sink saw no connection".to_string())?;
        if run.status != 0 || seen.messages != 1 || seen.bytes != 5 {
            return Err(format!("ws text failed: {run:?}, the sink saw {seen:?}"));
        }
        if i > 0 {
            runs.push(run);
        }
    }
    println!("\none-shot `ws text URL hello` ({} runs)", options.runs);
    let wall = spread_of(runs.iter().map(|r| r.wall.as_secs_f64() * 1000.0));
    let rss = spread_of(runs.iter().map(|r| r.rss_kib as f64 / 1024.0));
    row("  wall ms, median (min-max)", &[format!("{wall:.2}")]);
    row("  peak RSS MiB", &[format!("{rss:.1}")]);
    Ok(())
}

/// `ws listen URL > file` draining a burst of 64-byte messages.
fn listen(options: &Options) -> Result<(), String> {
    let count = options.listen_count;
    let address = background(0, move |l| servers::blast(l, count, 64))?;
    let url = format!("ws://{address}/");
    let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
    let output = folder.path().join("out.txt");
    let payload = format!(" {}\n", servers::letters(64));
    let mut runs = Vec::new();
    for _ in 0..options.listen_runs {
        let file = std::fs::File::create(&output).map_err(|e| e.to_string())?;
        let run = measure::time(
            Command::new(&options.ws)
                .args(["listen", &url])
                .stdin(Stdio::null())
                .stdout(file),
        )?;
        let text = std::fs::read_to_string(&output).map_err(|e| e.to_string())?;
        let printed = text.matches(payload.as_str()).count();
        if run.status != 0 || printed != count {
            return Err(format!("ws listen printed {printed} of {count}: {run:?}"));
        }
        runs.push(run);
    }
    println!("\n`ws listen` draining {count} messages of 64 B to a file");
    let wall = spread_of(runs.iter().map(|r| r.wall.as_secs_f64()));
    let rate = spread_of(runs.iter().map(|r| count as f64 / r.wall.as_secs_f64()));
    let rss = spread_of(runs.iter().map(|r| r.rss_kib as f64 / 1024.0));
    row("  wall s", &[format!("{wall:.3}")]);
    row("  messages/s", &[format!("{rate:.0}")]);
    row("  peak RSS MiB", &[format!("{rss:.1}")]);
    Ok(())
}

/// `ws run` of a Rhai loop sending 64-byte text messages to a sink.
fn send(options: &Options) -> Result<(), String> {
    let count = options.send_count;
    let (done, reports) = mpsc::channel();
    let address = background(0, |l| servers::sink(l, done))?;
    let url = format!("ws://{address}/");
    let folder = tempfile::tempdir().map_err(|e| e.to_string())?;
    let script = folder.path().join("send.rhai");
    let message = servers::letters(64);
    let code = format!("for i in 0..{count} {{ text(\"{message}\") }}\n");
    std::fs::write(&script, code).map_err(|e| e.to_string())?;
    let mut runs = Vec::new();
    for i in 0..=options.listen_runs {
        let run = measure::time(
            Command::new(&options.ws)
                .arg("run")
                .arg(&script)
                .arg(&url)
                .stdin(Stdio::null())
                .stdout(Stdio::null()),
        )?;
        let seen = reports
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "the sink saw no connection".to_string())?;
        if run.status != 0 || seen.messages != count as u64 {
            return Err(format!("ws run failed: {run:?}, the sink saw {seen:?}"));
        }
        if i > 0 {
            runs.push(run);
        }
    }
    println!("\n`ws run`: a Rhai loop sending {count} text messages of 64 B");
    let wall = spread_of(runs.iter().map(|r| r.wall.as_secs_f64()));
    let rate = spread_of(runs.iter().map(|r| count as f64 / r.wall.as_secs_f64()));
    let rss = spread_of(runs.iter().map(|r| r.rss_kib as f64 / 1024.0));
    row("  wall s (start-up included)", &[format!("{wall:.3}")]);
    row("  messages/s", &[format!("{rate:.0}")]);
    row("  peak RSS MiB", &[format!("{rss:.1}")]);
    Ok(())
}

/// `ws session` without a URL (embedded echo server) in a pseudo-terminal:
/// time from spawn to its first prompt.
fn prompt(options: &Options) -> Result<(), String> {
    let home = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut times = Vec::new();
    for i in 0..=options.runs {
        let elapsed = terminal::time_to_prompt(&options.ws, home.path())?;
        if i > 0 {
            times.push(elapsed.as_secs_f64() * 1000.0);
        }
    }
    println!(
        "\n`ws session` (embedded echo server) to its first prompt ({} runs)",
        options.runs
    );
    row(
        "  ms, median (min-max)",
        &[format!("{:.1}", spread_of(times))],
    );
    Ok(())
}

/// `ws echo-server` and the stack's own echo server under the same loads.
fn echo(options: &Options) -> Result<(), String> {
    let (mut ws, ws_url) = spawn_server(&options.ws, &["echo-server", "-p", "0"])?;
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let me = me.to_string_lossy();
    let (mut reference, reference_url) = spawn_server(&me, &["echo", "--port", "0"])?;
    println!(
        "\necho msg/s, {} s per cell (rtt p50 us)",
        options.echo_seconds
    );
    row(
        "  connections size window",
        &[
            "ws echo-server".into(),
            "tokio-tungstenite".into(),
            "ratio".into(),
        ],
    );
    let result = echo_cells(options, &ws_url, &reference_url);
    let _ = ws.kill();
    let _ = reference.kill();
    let _ = ws.wait();
    let _ = reference.wait();
    result
}

fn echo_cells(options: &Options, ws_url: &str, reference_url: &str) -> Result<(), String> {
    for connections in [1, 8] {
        for size in [64, 16 * 1024] {
            for window in [1, 64] {
                let load = |url: &str| Load {
                    url: url.to_string(),
                    connections,
                    size,
                    window,
                    duration: Duration::from_secs_f64(options.echo_seconds),
                    binary: false,
                    compressed: false,
                };
                let ours = client::run(&load(ws_url))?;
                let theirs = client::run(&load(reference_url))?;
                let cell = |r: &client::Report| format!("{:.0} ({:.0})", r.rate(), r.rtt_p50_us);
                row(
                    &format!("  {connections:>11} {size:>5} {window:>6}"),
                    &[
                        cell(&ours),
                        cell(&theirs),
                        format!("{:.2}", ours.rate() / theirs.rate()),
                    ],
                );
            }
        }
    }
    Ok(())
}
