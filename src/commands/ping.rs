//! `ws ping` and `ws pong`. Ping sends a ping every `-i` seconds, waits for
//! its pong (at most `response_timeout`) and prints the round trip; pong
//! sends unsolicited pongs and prints how long each took to send. Both stop
//! after `-n` frames (negative: never) or `-d` seconds, whichever comes
//! first, or on Ctrl+C or SIGTERM; the summary is printed in every case,
//! then the connection is closed with 1000. As with ping(8), ping exits 1
//! when pings were sent and not one pong came back.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::client;
use crate::cancel::{deadline, until};
use crate::cli::PingArgs;
use crate::connection::{Client, CloseInfo, Event, check_control_payload, redact, url};
use crate::console::render::{close_line, millis};
use crate::console::{Console, Line, Role};
use crate::error::Result;
use crate::runtime::runtime;

/// Which control frame to send.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ping,
    Pong,
}

/// What the command was asked to do, validated.
struct Plan {
    kind: Kind,
    url: String,
    payload: Vec<u8>,
    count: Option<u64>,
    interval: Duration,
    duration: Option<Duration>,
    response_timeout: Option<Duration>,
}

/// What happened so far.
#[derive(Default)]
struct Stats {
    sent: u64,
    round_trips: Vec<Duration>,
    started: Option<Instant>,
    /// Whether the last ping's pong never came.
    unanswered: bool,
}

pub(crate) fn run(args: PingArgs, kind: Kind) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let payload = args.message.clone().unwrap_or_default().into_bytes();
    check_control_payload(payload.len())?;
    let command = match kind {
        Kind::Ping => "ws ping",
        Kind::Pong => "ws pong",
    };
    let (settings, options) = super::client_settings(&args.connect, None, &[], None)?;
    let interval = if args.interval == 0.0 {
        Duration::ZERO
    } else {
        super::seconds("--interval", args.interval)?
    };
    let plan = Plan {
        kind,
        url,
        payload,
        count: u64::try_from(args.number).ok(),
        interval,
        duration: client::duration(args.duration)?,
        response_timeout: settings.response_timeout,
    };
    let core = client::settings(&settings, options, command, args.shown.verbose)?;
    let console = Console::stdio();
    super::attach_transcript(&console, &args.file, &settings)?;
    let result = runtime()?.block_on(async {
        let (mut client, mut stop) =
            client::connect(&plan.url, core, &console, args.shown.quiet).await?;
        let mut stats = Stats::default();
        let end = tokio::select! {
            end = send_all(&mut client, &plan, &console, &mut stats) => end,
            () = &mut stop => None,
            () = until(deadline(plan.duration)) => None,
        };
        summary(&console, &plan, &stats);
        match end {
            // The server closed or dropped the connection.
            Some(info) => {
                client::outcome(&info)?;
                console.err(close_line(&info));
                return Ok(0);
            }
            // A server that let the last ping go unanswered is not waited
            // for a second time: the close goes without waiting.
            None if stats.unanswered => client.close(1000, ""),
            None => {
                let info = client.close_and_wait(1000, "").await;
                client::closed(&console, &info, args.shown.quiet)?;
            }
        }
        // As with ping(8): pings sent and not one pong back is a failure.
        let unanswered = kind == Kind::Ping && stats.sent > 0 && stats.round_trips.is_empty();
        Ok(i32::from(unanswered))
    });
    super::record(&console, &result);
    console.finish();
    result
}

/// Sends every frame of the plan; `Some` when the connection ended first.
async fn send_all(
    client: &mut Client,
    plan: &Plan,
    console: &Console,
    stats: &mut Stats,
) -> Option<CloseInfo> {
    console.out(banner(plan));
    stats.started = Some(Instant::now());
    while plan.count.is_none_or(|count| stats.sent < count) {
        let start = Instant::now();
        stats.sent += 1;
        let sequence = stats.sent;
        match plan.kind {
            Kind::Ping => {
                let (reply, pong) = oneshot::channel();
                client.ping(plan.payload.clone(), reply);
                let until = plan.response_timeout.and_then(|t| start.checked_add(t));
                match wait(client, until, Some(pong)).await {
                    Wait::Pong(rtt) => {
                        stats.unanswered = false;
                        stats.round_trips.push(rtt);
                        console.out(pong_line(sequence, &redact::url(&plan.url), rtt));
                    }
                    Wait::Deadline => {
                        stats.unanswered = true;
                        console.out(no_pong_line(sequence, plan));
                    }
                    Wait::Ended(info) => return Some(info),
                }
            }
            Kind::Pong => {
                client.send(WsMessage::Pong(plan.payload.clone().into()));
                if let Err(info) = client.write_out().await {
                    return Some(info);
                }
                console.out(sent_line(sequence, start.elapsed()));
            }
        }
        if plan.count.is_some_and(|count| stats.sent >= count) {
            break;
        }
        if let Wait::Ended(info) = wait(client, Some(start + plan.interval), None).await {
            return Some(info);
        }
    }
    None
}

/// How a wait for a pong (or for the next frame's time) ended.
enum Wait {
    Pong(Duration),
    Deadline,
    Ended(CloseInfo),
}

/// Drives the connection until `deadline` (or the pong of `pong`, when
/// given), ignoring what arrives; pings from the server are answered.
async fn wait(
    client: &mut Client,
    deadline: Option<Instant>,
    mut pong: Option<oneshot::Receiver<std::time::Duration>>,
) -> Wait {
    let elapsed = until(deadline);
    tokio::pin!(elapsed);
    loop {
        tokio::select! {
            biased;
            rtt = async { pong.as_mut()?.await.ok() }, if pong.is_some() => match rtt {
                Some(rtt) => return Wait::Pong(rtt),
                // The connection ended; its event says how.
                None => pong = None,
            },
            () = &mut elapsed => return Wait::Deadline,
            event = client.next() => {
                if let Event::Closed(info) = event {
                    return Wait::Ended(info);
                }
            }
        }
    }
}

fn banner(plan: &Plan) -> Line {
    let word = match plan.kind {
        Kind::Ping => "PING ",
        Kind::Pong => "PONG ",
    };
    Line::of(Role::Info, word)
        .push(Role::Url, redact::url(&plan.url))
        .push(Role::Info, " with ")
        .push(Role::Number, plan.payload.len().to_string())
        .push(Role::Info, " bytes of data")
}

fn pong_line(sequence: u64, url: &str, rtt: Duration) -> Line {
    Line::of(Role::Plain, format!("Pong {sequence} from "))
        .push(Role::Url, url.to_string())
        .push(Role::Plain, ": time=")
        .push(Role::Number, millis(rtt))
}

fn no_pong_line(sequence: u64, plan: &Plan) -> Line {
    let limit = plan.response_timeout.unwrap_or_default().as_secs_f64();
    Line::of(
        Role::Warning,
        format!("No pong {sequence} within {limit} s (response_timeout)."),
    )
}

fn sent_line(sequence: u64, took: Duration) -> Line {
    Line::of(Role::Plain, format!("Pong {sequence} sent: took "))
        .push(Role::Number, millis(took))
        .push(Role::Plain, " to send the PONG.")
}

/// The statistics: counts and loss, and for ping the round trips.
fn summary(console: &Console, plan: &Plan, stats: &Stats) {
    let elapsed = stats.started.map(|s| s.elapsed()).unwrap_or_default();
    let took = format!("{} ms", elapsed.as_millis());
    let (word, counts) = match plan.kind {
        Kind::Ping => {
            let received = stats.round_trips.len() as u64;
            let loss = match stats.sent {
                0 => 0.0,
                sent => (sent - received) as f64 * 100.0 / sent as f64,
            };
            let counts = format!(
                "{} pings sent, {received} pongs received, {loss:.1}% loss, time {took}",
                stats.sent
            );
            ("ping", counts)
        }
        Kind::Pong => ("pong", format!("{} pongs sent, time {took}", stats.sent)),
    };
    console.out(Line::of(
        Role::Info,
        format!("--- {} {word} statistics ---", redact::url(&plan.url)),
    ));
    console.out(Line::of(Role::Plain, counts));
    if let Some(line) = round_trips(&stats.round_trips) {
        console.out(line);
    }
}

fn round_trips(rtts: &[Duration]) -> Option<Line> {
    let min = rtts.iter().min()?;
    let max = rtts.iter().max()?;
    let avg = rtts.iter().sum::<Duration>() / rtts.len() as u32;
    let ms = |d: &Duration| format!("{:.3}", d.as_secs_f64() * 1000.0);
    Some(Line::of(Role::Plain, "round trip min/avg/max = ").push(
        Role::Number,
        format!("{}/{}/{} ms", ms(min), ms(&avg), ms(max)),
    ))
}
