//! permessage-deflate through the real binary, against a peer built on the
//! library's own compression layer that counts the bytes on the wire and
//! can answer the offer as each test needs.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use ws::internals::deflate::{self, DeflateStream};

use crate::support::server::spawn_server;
use crate::support::{home, ws_cmd};

/// A TCP stream that counts the bytes read from it.
struct Counted(TcpStream, Arc<AtomicUsize>);

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.0).poll_read(cx, buf);
        self.1
            .fetch_add(buf.filled().len() - before, Ordering::Relaxed);
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// What the peer saw.
#[derive(Default)]
struct Seen {
    offer: Option<String>,
    messages: Vec<String>,
    close: Option<u16>,
}

/// A peer on 127.0.0.1: answers the offer with `answer` (`None`: as the
/// library does), sends `first`, then echoes until the close.
struct Peer {
    url: String,
    seen: Arc<Mutex<Seen>>,
    wire: Arc<AtomicUsize>,
}

impl Peer {
    fn start(answer: Option<&'static str>, first: Option<String>) -> Peer {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let wire = Arc::new(AtomicUsize::new(0));
        let (s, w) = (seen.clone(), wire.clone());
        let address = spawn_server(move |stream| {
            let (seen, wire, first) = (s.clone(), w.clone(), first.clone());
            async move { serve(stream, answer, first, seen, wire).await }
        });
        Peer {
            url: format!("ws://127.0.0.1:{}/", address.port()),
            seen,
            wire,
        }
    }

    fn seen(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap()
    }
}

async fn serve(
    stream: TcpStream,
    answer: Option<&'static str>,
    first: Option<String>,
    seen: Arc<Mutex<Seen>>,
    wire: Arc<AtomicUsize>,
) {
    let stream = DeflateStream::new(Counted(stream, wire), Role::Server);
    let mut agreed = None;
    #[allow(clippy::result_large_err)] // tungstenite's callback type
    let callback = |request: &Request, mut response: Response| {
        let offer = request.headers().get(deflate::HEADER);
        seen.lock().unwrap().offer = offer.map(|v| v.to_str().unwrap().to_string());
        agreed = match answer {
            None => deflate::answer(request, &mut response, 12),
            Some(fixed) => {
                let value = fixed.parse().unwrap();
                response.headers_mut().insert(deflate::HEADER, value);
                deflate::client_accepts(true, &[fixed]).ok().flatten()
            }
        };
        Ok(response)
    };
    let config = WebSocketConfig::default().max_message_size(None);
    let Ok(mut ws) =
        tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await
    else {
        return;
    };
    ws.get_mut()
        .enable(agreed, usize::MAX, deflate::Tuning::default());
    if let Some(first) = first {
        let _ = ws.send(Message::text(first)).await;
    }
    while let Some(Ok(message)) = ws.next().await {
        match message {
            Message::Text(text) => {
                seen.lock().unwrap().messages.push(text.to_string());
                let _ = ws.send(Message::text(text)).await;
            }
            Message::Close(frame) => {
                seen.lock().unwrap().close = Some(frame.map_or(1005, |f| f.code.into()));
                let _ = ws.flush().await;
                break;
            }
            _ => {}
        }
    }
}

fn ws(args: &[&str]) -> std::process::Output {
    let home = home();
    ws_cmd(home.path()).args(args).output().expect("ws runs")
}

fn json(records: usize) -> String {
    let items: Vec<String> = (0..records)
        .map(|i| format!(r#"{{"id": {i}, "kind": "reading", "unit": "celsius", "value": 21.5}}"#))
        .collect();
    format!("[{}]", items.join(", "))
}

/// `ws text URL file@big.json` with a JSON array of `records` records;
/// gives the message and what the command did.
fn send_json_file(url: &str, records: usize) -> (String, std::process::Output) {
    let message = json(records);
    let home = home();
    let file = home.path().join("big.json");
    std::fs::write(&file, &message).unwrap();
    let out = ws(&["text", url, &format!("file@{}", file.display())]);
    (message, out)
}

#[test]
fn a_large_message_is_offered_compression_and_shrinks_on_the_wire() {
    let peer = Peer::start(None, None);
    let (message, out) = send_json_file(&peer.url, 2000);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = peer.seen();
    assert_eq!(seen.offer.as_deref(), Some(deflate::CLIENT_OFFER));
    assert_eq!(seen.messages, std::slice::from_ref(&message));
    let wire = peer.wire.load(Ordering::Relaxed);
    assert!(
        wire < message.len() / 5,
        "{wire} bytes on the wire for {}",
        message.len()
    );
}

#[test]
fn no_compression_sends_no_offer_and_plain_frames() {
    let peer = Peer::start(None, None);
    let message = json(200);
    let out = ws(&["text", &peer.url, &message, "--no-compression"]);
    assert_eq!(out.status.code(), Some(0));
    let seen = peer.seen();
    assert_eq!(seen.offer, None);
    assert_eq!(seen.messages, std::slice::from_ref(&message));
    assert!(peer.wire.load(Ordering::Relaxed) > message.len());
}

/// A script that takes the greeting, then sends the message twice and an
/// empty one, checking each echo.
const TWICE: &str = r#"
let m = ARGS[0];
if recv() != "hello" { throw "no greeting"; }
for sent in [m, m, ""] {
    text(sent);
    if recv() != sent { throw "the echo differs"; }
}
print("ok");
"#;

#[test]
fn every_parameter_of_the_answer_is_honoured_both_ways() {
    let answers = [
        "permessage-deflate",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=9",
        "permessage-deflate; client_max_window_bits=10",
        "permessage-deflate; client_max_window_bits=8",
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=11",
    ];
    let home = home();
    let script = home.path().join("twice.rhai");
    std::fs::write(&script, TWICE).unwrap();
    let message = json(300);
    for answer in answers {
        let peer = Peer::start(Some(answer), Some("hello".into()));
        let out = ws_cmd(home.path())
            .args([
                "run",
                "-q",
                script.to_str().unwrap(),
                &peer.url,
                "--",
                &message,
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{answer}: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.ends_with("ok\n"), "{answer}: {stdout}");
        assert_eq!(peer.seen().messages.len(), 3, "{answer}");
    }
}

#[test]
fn a_bad_answer_fails_the_connection_with_a_sentence() {
    let peer = Peer::start(Some("permessage-deflate; server_max_window_bits=20"), None);
    let out = ws(&["text", &peer.url, "hi"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("server_max_window_bits=20 (allowed: 8 to 15)"),
        "{stderr}"
    );
    assert!(stderr.contains("--no-compression"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(peer.seen().messages.is_empty());
}

#[test]
fn a_small_message_inflating_past_max_message_size_is_refused_with_1009() {
    let bomb = "a".repeat(128 * 1024);
    let peer = Peer::start(None, Some(bomb));
    let out = ws(&["listen", &peer.url, "--max-message-size", "64K"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // listen says the connection is compressed (the server limited our
    // window, as ws's own server does), then why it ended.
    let notice = format!(
        "Connected to {}, compressed with permessage-deflate; server_max_window_bits=12; client_max_window_bits=12.\n",
        peer.url
    );
    assert!(stderr.starts_with(&notice), "{stderr}");
    assert!(
        stderr.contains("inflates past max_message_size (65536 bytes)"),
        "{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    for _ in 0..100 {
        if peer.seen().close.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(peer.seen().close, Some(1009));
}

#[test]
fn a_message_at_max_message_size_that_compression_makes_longer_is_taken() {
    // "four" compressed takes 6 bytes: the limit is on what it inflates to.
    let peer = Peer::start(None, Some("four".into()));
    let out = ws(&["listen", &peer.url, "--max-message-size", "4", "-d", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).ends_with(" four\n"),
        "{stderr}"
    );
}

/// The two sizes of a `Sent 8.0 KiB (312 B compressed) …` line, in bytes
/// (to the precision shown).
fn sent_sizes(line: &str) -> Option<(f64, f64)> {
    let rest = line.split("Sent ").nth(1)?;
    let (size, rest) = rest.split_once(" (")?;
    let (on_wire, rest) = rest.split_once(" compressed)")?;
    rest.starts_with(" of data over the wire.").then_some(())?;
    let bytes = |text: &str| -> Option<f64> {
        let (number, unit) = text.split_once(' ')?;
        let scale = match unit {
            "B" => 1.0,
            "KiB" => 1024.0,
            "MiB" => 1024.0 * 1024.0,
            _ => return None,
        };
        Some(number.parse::<f64>().ok()? * scale)
    };
    Some((bytes(size)?, bytes(on_wire)?))
}

#[test]
fn a_one_shot_says_both_sizes_when_compression_is_on() {
    let peer = Peer::start(None, None);
    let (message, out) = send_json_file(&peer.url, 2000);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let (size, on_wire) = sent_sizes(&stdout).unwrap_or_else(|| panic!("{stdout}"));
    assert!((size - message.len() as f64).abs() < 1024.0, "{stdout}");
    let wire = peer.wire.load(Ordering::Relaxed) as f64;
    assert!(on_wire > 0.0 && on_wire < size / 5.0, "{stdout}");
    assert!(on_wire <= wire, "{stdout}: {wire} bytes on the wire in all");
    let plain = ws(&["text", &peer.url, "hi", "--no-compression"]);
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert_eq!(plain, "Sent 2 B of data over the wire.\n");
}

#[test]
fn messages_under_compression_threshold_go_uncompressed() {
    let peer = Peer::start(None, None);
    // Compression is agreed, but two bytes would only grow.
    let small = ws(&["text", &peer.url, "hi"]);
    let small = String::from_utf8_lossy(&small.stdout);
    assert_eq!(small, "Sent 2 B of data over the wire.\n");
    let home = home();
    let every = ws_cmd(home.path())
        .env("WS_COMPRESSION_THRESHOLD", "0")
        .args(["text", &peer.url, "hi"])
        .output()
        .unwrap();
    let every = String::from_utf8_lossy(&every.stdout);
    assert!(every.starts_with("Sent 2 B ("), "{every}");
    assert!(
        every.ends_with(" B compressed) of data over the wire.\n"),
        "{every}"
    );
}

#[test]
fn the_session_says_both_sizes_before_the_echo() {
    use crate::support::pty::Pty;
    let home = home();
    let mut command = ws_cmd(home.path());
    command.arg("session");
    let mut pty = Pty::spawn(command);
    pty.line(r#"let s = ""; for i in 0..1024 { s += "abcdefgh" }"#);
    pty.line("text(s)");
    let shown = pty.expect("compressed) of data over the wire.");
    let line = shown.lines().last().unwrap_or_default();
    let (size, on_wire) = sent_sizes(line).unwrap_or_else(|| panic!("{shown}"));
    assert_eq!(size, 8192.0, "{line}");
    assert!(on_wire > 0.0 && on_wire < 1024.0, "{line}");
    // The echo is shown after the line, never above it.
    pty.expect("< text");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn the_window_and_memory_level_settings_reach_both_ends() {
    // Text that repeats every 2 KiB: a window of 2^11 bytes or more finds
    // the repeats, one of 2^9 does not.
    let mut x: u32 = 7;
    let block: String = (0..2048)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from(b'!' + (x >> 16) as u8 % 90)
        })
        .collect();
    let message = block.repeat(16);
    let home = home();
    let file = home.path().join("repeats.txt");
    std::fs::write(&file, &message).unwrap();
    let send = |env: &[(&str, &str)]| {
        // The peer answers as ws echo-server does: the client's window at most 2^12.
        let peer = Peer::start(None, None);
        let arg = format!("file@{}", file.display());
        let out = ws_cmd(home.path())
            .envs(env.iter().copied())
            .args(["text", &peer.url, &arg])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert_eq!(peer.seen().messages, std::slice::from_ref(&message));
        sent_sizes(&stdout).unwrap_or_else(|| panic!("{stdout}")).1
    };
    let wide = send(&[]);
    let narrow = send(&[
        ("WS_COMPRESSION_WINDOW_BITS", "9"),
        ("WS_COMPRESSION_MEM_LEVEL", "1"),
    ]);
    assert!(
        narrow > 4.0 * wide,
        "{narrow} bytes with 2^9, {wide} with 2^12"
    );
    // ws echo-server limits both windows to its setting.
    let server =
        crate::echo_server::Server::start_with(&[], &[("WS_COMPRESSION_WINDOW_BITS", "10")]);
    let out = ws(&["listen", &server.url(), "-d", "0.1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("compressed with permessage-deflate; server_max_window_bits=10; client_max_window_bits=10."),
        "{stderr}"
    );
}
