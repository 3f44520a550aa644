//! `ws echo-server` through the real binary, with a websocket client in the test.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::pipe::pipe;
use crate::support::{home, ws_cmd};

/// A running `ws echo-server -p 0 ARGS…` and the port it printed.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) port: u16,
    _home: tempfile::TempDir,
}

impl Server {
    pub(crate) fn start(args: &[&str]) -> Server {
        Server::start_with(args, &[])
    }

    /// Starts it with settings in its environment.
    pub(crate) fn start_with(args: &[&str], env: &[(&str, &str)]) -> Server {
        let home = home();
        let mut child = ws_cmd(home.path())
            .envs(env.iter().copied())
            .args(["echo-server", "-p", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let first = first_line(&mut child);
        let port = first
            .trim()
            .strip_prefix("Running server on 127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .parse()
            .unwrap();
        Server {
            child,
            port,
            _home: home,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }
}

/// The first line `child` writes to its standard output (piped).
fn first_line(child: &mut Child) -> String {
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    first
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

#[test]
fn it_echoes_text_and_large_binary() {
    let server = Server::start(&[]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
            .await
            .unwrap();
        ws.send(Message::text("hello")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hello"));
        let big: Vec<u8> = (0..140_000u32).map(|i| (i % 251) as u8).collect();
        ws.send(Message::binary(big.clone())).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(big));
    });
}

#[test]
fn every_echo_goes_out_before_the_answer_to_a_close() {
    let server = Server::start(&[]);
    let count = 20_000;
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
            .await
            .unwrap();
        // All the messages and the close in one go, nothing read meanwhile:
        // the close arrives while echoes are still waiting to be written.
        for i in 0..count {
            ws.feed(Message::text(format!("message {i}")))
                .await
                .unwrap();
        }
        ws.feed(Message::Close(None)).await.unwrap();
        ws.flush().await.unwrap();
        let mut echoes = 0;
        loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => {
                    assert_eq!(text.as_str(), format!("message {echoes}"));
                    echoes += 1;
                }
                Some(Ok(Message::Close(_))) => break,
                other => panic!("after {echoes} echoes: {other:?}"),
            }
        }
        assert_eq!(echoes, count, "echoes before the close frame");
    });
}

#[test]
fn with_compression_every_echo_goes_out_before_the_answer_to_a_close() {
    // `ws pipe` offers compression, which the server takes, and closes
    // right after its last line: the close arrives while compressed echoes
    // still wait in the server's compression layer for the socket.
    // How much is held then varies with timing: three clients in a row.
    let server = Server::start(&[]);
    let count = 50_000;
    let home = home();
    let lines: String = (0..count).map(|i| format!("message {i}\n")).collect();
    for _ in 0..3 {
        let output = pipe(home.path(), &["pipe", &server.url()], lines.as_bytes());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let echoes: Vec<&str> = stdout.lines().collect();
        assert_eq!(echoes.len(), count, "echoes; stderr: {stderr}");
        for (i, echo) in echoes.iter().enumerate() {
            assert_eq!(*echo, format!("message {i}"));
        }
    }
}

#[test]
fn an_oversized_message_is_closed_with_1009() {
    let server = Server::start(&["--max-message-size", "1K"]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
            .await
            .unwrap();
        ws.send(Message::text("x".repeat(2000))).await.unwrap();
        match ws.next().await.unwrap().unwrap() {
            Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1009),
            other => panic!("expected a close, got {other:?}"),
        }
    });
}

#[test]
fn sigterm_closes_clients_with_1001_and_exits_0() {
    let mut server = Server::start(&[]);
    block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
            .await
            .unwrap();
        ws.send(Message::text("up?")).await.unwrap();
        ws.next().await.unwrap().unwrap();
        unsafe { libc::kill(server.child.id() as i32, libc::SIGTERM) };
        match ws.next().await.unwrap().unwrap() {
            Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1001),
            other => panic!("expected a close, got {other:?}"),
        }
    });
    assert_eq!(server.child.wait().unwrap().code(), Some(0));
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let home = home();
    let out = ws_cmd(home.path())
        .args(["echo-server", "-p", &port])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("ws: error: cannot listen on 127.0.0.1:{port}")),
        "{stderr}"
    );
}

#[test]
fn wss_with_a_generated_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    let files = home();
    let (cert, key) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    let server = Server::start(&[
        "--cert-file",
        cert.to_str().unwrap(),
        "--key-file",
        key.to_str().unwrap(),
    ]);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certified.cert.der().clone()).unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_tungstenite::Connector::Rustls(std::sync::Arc::new(config));
    let url = format!("wss://localhost:{}/", server.port);
    block_on(async {
        let (mut ws, _) =
            tokio_tungstenite::connect_async_tls_with_config(url, None, false, Some(connector))
                .await
                .unwrap();
        ws.send(Message::text("secret")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("secret"));
        ws.close(None).await.unwrap();
    });
}

#[test]
fn a_missing_certificate_is_a_clear_error() {
    let home = home();
    let out = ws_cmd(home.path())
        .args(["echo-server", "-p", "0", "--cert-file", "nope.pem"])
        .args(["--key-file", "nope.key"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "ws: error: cannot read nope.pem: no such file or directory\n"
    );
}

#[test]
fn many_clients_at_once_and_sigint_stops_it() {
    let mut server = Server::start(&[]);
    block_on(async {
        let mut clients = Vec::new();
        for _ in 0..8 {
            let (ws, _) = tokio_tungstenite::connect_async(server.url())
                .await
                .unwrap();
            clients.push(ws);
        }
        for (i, ws) in clients.iter_mut().enumerate() {
            ws.send(Message::text(format!("client {i}"))).await.unwrap();
            ws.send(Message::Ping(b"p".to_vec().into())).await.unwrap();
        }
        for (i, ws) in clients.iter_mut().enumerate() {
            let echo = ws.next().await.unwrap().unwrap();
            assert_eq!(echo, Message::text(format!("client {i}")));
            let pong = ws.next().await.unwrap().unwrap();
            assert_eq!(pong, Message::Pong(b"p".to_vec().into()));
        }
        unsafe { libc::kill(server.child.id() as i32, libc::SIGINT) };
        for ws in &mut clients {
            match ws.next().await.unwrap().unwrap() {
                Message::Close(Some(frame)) => assert_eq!(u16::from(frame.code), 1001),
                other => panic!("expected a close, got {other:?}"),
            }
        }
    });
    assert_eq!(server.child.wait().unwrap().code(), Some(0));
}
