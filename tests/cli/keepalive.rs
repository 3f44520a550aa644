//! Keepalive pings (`--ping-interval`, `--ping-timeout`) through the real
//! binary: a peer that answers keeps the connection, one that stops
//! answering is told 1011 and the command ends with the reason.

use std::sync::mpsc;

use tokio::io::AsyncReadExt;

use crate::support::server::{Frame, TestServer, serve_on_thread};
use crate::support::{home, ws_cmd};

#[test]
fn a_peer_that_answers_is_pinged_and_nothing_is_shown() {
    let server = TestServer::silent();
    let home = home();
    let out = ws_cmd(home.path())
        .args([
            "listen",
            &server.url(),
            "--ping-interval",
            "0.1",
            "-d",
            "0.6",
        ])
        .output()
        .unwrap();
    assert_eq!(succeeded(&out), "");
    assert!(keepalive_pings(&server) >= 2, "{:?}", server.frames());
}

/// The standard output of a command that must have ended with status 0.
fn succeeded(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_peer_that_stops_answering_is_closed_with_1011() {
    // The peer reads nothing (so answers no ping) until ws has ended.
    let (ended_tx, ended_rx) = mpsc::channel::<()>();
    let (frames_tx, frames_rx) = mpsc::channel::<Vec<(u8, Vec<u8>)>>();
    let address = serve_on_thread(move |listener| async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        tokio::task::spawn_blocking(move || ended_rx.recv())
            .await
            .unwrap()
            .unwrap();
        // The bytes as sent: tungstenite would try to answer the pings
        // (and fail on the closed socket) before reading the close.
        let mut bytes = Vec::new();
        let _ = ws.get_mut().read_to_end(&mut bytes).await;
        frames_tx.send(client_frames(&bytes)).unwrap();
    });
    let home = home();
    let url = format!("ws://127.0.0.1:{}/", address.port());
    let out = ws_cmd(home.path())
        .args([
            "listen",
            &url,
            "--ping-interval",
            "0.2",
            "--ping-timeout",
            "0.5",
        ])
        .output()
        .unwrap();
    ended_tx.send(()).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no pong within 0.5 s"), "{stderr}");
    let frames = frames_rx.recv().unwrap();
    assert_eq!(frames.first().map(|f| f.0), Some(0x9), "{frames:?}");
    let mut close = 1011u16.to_be_bytes().to_vec();
    close.extend_from_slice(b"no pong within 0.5 s");
    assert_eq!(frames.last(), Some(&(0x8, close)), "{frames:?}");
}

/// The opcode and unmasked payload of each (small, masked) client frame.
fn client_frames(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let mut frames = Vec::new();
    while bytes.len() >= 6 {
        let opcode = bytes[0] & 0x0f;
        let len = usize::from(bytes[1] & 0x7f);
        assert!(len < 126, "only small frames are expected");
        let mask = [bytes[2], bytes[3], bytes[4], bytes[5]];
        let payload = bytes[6..6 + len]
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ mask[i % 4])
            .collect();
        frames.push((opcode, payload));
        bytes = &bytes[6 + len..];
    }
    frames
}

/// Runs a script that waits half a second on `server` with keepalive
/// pings every 0.1 s, plus `extra` arguments; gives its standard output.
fn wait_with_pings(server: &TestServer, extra: &[&str]) -> String {
    let home = home();
    let script = home.path().join("wait.rhai");
    std::fs::write(&script, "sleep(0.5);").unwrap();
    let out = ws_cmd(home.path())
        .args(["run", script.to_str().unwrap(), &server.url()])
        .args(["--ping-interval", "0.1"])
        .args(extra)
        .output()
        .unwrap();
    succeeded(&out)
}

fn keepalive_pings(server: &TestServer) -> usize {
    server.wait_gone();
    server
        .frames()
        .iter()
        .filter(|f| matches!(f, Frame::Ping(p) if p.starts_with(b"ws keepalive ")))
        .count()
}

#[test]
fn keepalive_pings_are_shown_only_with_verbose() {
    let quiet = TestServer::silent();
    let shown = wait_with_pings(&quiet, &[]);
    assert!(keepalive_pings(&quiet) >= 2);
    assert!(!shown.contains("keepalive"), "{shown}");
    let verbose = TestServer::silent();
    let shown = wait_with_pings(&verbose, &["--verbose"]);
    let pings = keepalive_pings(&verbose);
    assert!(pings >= 2);
    assert_eq!(
        shown.matches("keepalive ping sent\n").count(),
        pings,
        "{shown}"
    );
    assert!(shown.contains("keepalive pong received\n"), "{shown}");
}

#[test]
fn the_session_shows_keepalive_pings_with_verbose() {
    let server = TestServer::silent();
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url(), "--ping-interval", "0.1", "-v"]);
    let mut pty = crate::support::pty::Pty::spawn(command);
    pty.expect("keepalive ping sent");
    pty.expect("keepalive pong received");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}
