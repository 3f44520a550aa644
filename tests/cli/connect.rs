//! Connection options and §7 errors through the real binary: what a server
//! receives of `-H`, `--origin`, `--auth` and `--subprotocol`, the chosen
//! subprotocol in the welcome, an HTTP CONNECT proxy, a refused handshake,
//! a refused connection, a timeout and Ctrl+C while the handshake waits.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::mpsc;

use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};

use crate::support::pty::PATIENCE;
use crate::support::server::{silent_server, spawn_server};
use crate::support::{home, interrupt, ws_cmd};

/// How the test server answers a handshake.
#[derive(Clone, Copy)]
pub enum Answer {
    /// Accept, choosing this subprotocol if the client offers it.
    Accept(Option<&'static str>),
    /// Refuse with 403, a header and a body.
    Refuse,
}

/// A websocket server that reports each handshake request it receives.
pub struct HandshakeServer {
    pub address: SocketAddr,
    requests: mpsc::Receiver<Request>,
}

impl HandshakeServer {
    pub fn start(answer: Answer) -> HandshakeServer {
        let (tx, requests) = mpsc::channel();
        let address = spawn_server(move |stream| serve(stream, answer, tx.clone()));
        HandshakeServer { address, requests }
    }

    pub fn url(&self) -> String {
        format!("ws://{}/path", self.address)
    }

    /// The next handshake request.
    pub fn request(&self) -> Request {
        self.requests.recv_timeout(PATIENCE).expect("a handshake")
    }
}

// The handshake callback returns the refusal by value, as tungstenite wants.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, answer: Answer, requests: mpsc::Sender<Request>) {
    let callback = |request: &Request, mut response: Response| {
        let _ = requests.send(request.clone());
        let offered = request
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        match answer {
            Answer::Refuse => {
                let mut refusal = ErrorResponse::new(Some("go away, no token".into()));
                *refusal.status_mut() = StatusCode::FORBIDDEN;
                refusal
                    .headers_mut()
                    .insert("x-reason", HeaderValue::from_static("test"));
                refusal.headers_mut().insert(
                    "set-cookie",
                    HeaderValue::from_static("session=s3cret-token; HttpOnly"),
                );
                Err(refusal)
            }
            Answer::Accept(Some(chosen)) if offered.split(", ").any(|p| p == chosen) => {
                let value = HeaderValue::from_static(chosen);
                response
                    .headers_mut()
                    .insert("sec-websocket-protocol", value);
                Ok(response)
            }
            Answer::Accept(_) => Ok(response),
        }
    };
    if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await {
        while let Some(Ok(_)) = ws.next().await {}
    }
}

/// `ws run` of a script that prints the URL, with extra arguments.
pub fn run_script(home: &Path, url: &str, extra: &[&str]) -> Output {
    let script = home.join("url.rhai");
    std::fs::write(&script, "print(url());\n").unwrap();
    let mut command = ws_cmd(home);
    command.arg("run").arg(&script).arg(url).args(extra);
    command.stdin(Stdio::null()).output().unwrap()
}

/// Asserts the exit status, and that stderr is plain sentences.
pub fn assert_status(output: &Output, status: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(status), "stderr: {stderr}");
    for bad in ["panicked", "RUST_BACKTRACE", "Os {", "Error {", "Custom {"] {
        assert!(!stderr.contains(bad), "{bad} in: {stderr}");
    }
    stderr
}

#[test]
fn the_server_receives_headers_origin_auth_and_subprotocols() {
    let (server, home) = (HandshakeServer::start(Answer::Accept(Some("chat"))), home());
    let flags = [
        "-H",
        "X-A: 1",
        "-H",
        "X-B: two",
        "--origin",
        "https://o.example",
        "--auth",
        "u:p",
        "--subprotocol",
        "chat",
        "--subprotocol",
        "superchat",
    ];
    let output = run_script(home.path(), &server.url(), &flags);
    assert_status(&output, 0);
    assert!(String::from_utf8_lossy(&output.stdout).contains(&server.url()));
    let request = server.request();
    let header = |name: &str| request.headers()[name].to_str().unwrap().to_string();
    assert_eq!(request.uri().path(), "/path");
    assert_eq!(header("x-a"), "1");
    assert_eq!(header("x-b"), "two");
    assert_eq!(header("origin"), "https://o.example");
    assert_eq!(header("authorization"), "Basic dTpw");
    assert_eq!(header("sec-websocket-protocol"), "chat, superchat");
}

#[test]
fn headers_from_the_environment_and_ws_toml_are_sent() {
    let (server, home) = (HandshakeServer::start(Answer::Accept(None)), home());
    std::fs::write(
        home.path().join("ws.toml"),
        "extra_headers = [[\"X-File\", \"f\"]]\n",
    )
    .unwrap();
    let script = home.path().join("url.rhai");
    std::fs::write(&script, "print(url());\n").unwrap();
    let output = ws_cmd(home.path())
        .arg("run")
        .arg(&script)
        .arg(server.url())
        .env("WS_EXTRA_HEADERS", "X-Env: e")
        .output()
        .unwrap();
    assert_status(&output, 0);
    let request = server.request();
    // The environment replaces the file's list (it is more important).
    assert_eq!(request.headers()["x-env"], "e");
    assert!(request.headers().get("x-file").is_none());
}

#[test]
fn the_chosen_subprotocol_is_shown_in_the_welcome() {
    let (server, home) = (HandshakeServer::start(Answer::Accept(Some("chat"))), home());
    let mut child = ws_cmd(home.path())
        .args(["session", &server.url(), "--subprotocol", "chat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"quit\n").unwrap();
    let output = child.wait_with_output().unwrap();
    assert_status(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("with subprotocol chat"), "{stdout}");
}

#[test]
fn a_refused_handshake_prints_status_headers_and_body() {
    let (server, home) = (HandshakeServer::start(Answer::Refuse), home());
    let output = run_script(home.path(), &server.url(), &[]);
    let stderr = assert_status(&output, 1);
    for part in ["HTTP 403 Forbidden", "x-reason: test", "go away, no token"] {
        assert!(stderr.contains(part), "{part} not in: {stderr}");
    }
    // A cookie the server hands out is a secret like the one sent.
    assert!(stderr.contains("set-cookie: ***"), "{stderr}");
    assert!(!stderr.contains("s3cret"), "{stderr}");
}

#[test]
fn a_refused_connection_is_one_sentence_naming_the_host() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = home();
    let output = run_script(home.path(), &format!("ws://127.0.0.1:{port}/"), &[]);
    let stderr = assert_status(&output, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}: connection refused")),
        "{stderr}"
    );
}

#[test]
fn a_silent_server_times_out_naming_the_setting() {
    let (address, rx) = silent_server();
    let home = home();
    let url = format!("ws://{address}/");
    let output = run_script(home.path(), &url, &["--connect-timeout", "0.3"]);
    let stderr = assert_status(&output, 1);
    assert!(
        stderr.contains("within 0.3 s; raise connect_timeout"),
        "{stderr}"
    );
    drop(rx);
}

#[test]
fn ctrl_c_ends_the_wait_for_a_silent_server_at_once() {
    let home = home();
    let script = home.path().join("connect.rhai");
    for command in [
        "listen",
        "pipe",
        "ping",
        "text",
        "connect()",
        "run URL",
        "session",
    ] {
        let (address, accepted) = silent_server();
        let url = format!("ws://{address}/");
        let args = match command {
            "connect()" => {
                std::fs::write(&script, format!("connect(\"{url}\");\n")).unwrap();
                vec!["run".to_string(), script.display().to_string()]
            }
            "run URL" => {
                std::fs::write(&script, "print(1);\n").unwrap();
                vec!["run".to_string(), script.display().to_string(), url]
            }
            "text" => vec![command.to_string(), url, "hi".to_string()],
            _ => vec![command.to_string(), url],
        };
        let mut child = ws_cmd(home.path())
            .args(&args)
            .args(["--connect-timeout", "600"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _held = accepted.recv_timeout(PATIENCE).expect("ws connects");
        let still = format!("{command}: still waiting for the handshake");
        assert_eq!(interrupt(&mut child, &still).code(), Some(130), "{command}");
    }
}

/// An HTTP CONNECT proxy that reports each request line and then relays.
fn start_proxy() -> (SocketAddr, mpsc::Receiver<String>) {
    let (tx, rx) = mpsc::channel();
    let address = spawn_server(move |stream| relay(stream, tx.clone()));
    (address, rx)
}

async fn relay(mut client: TcpStream, seen: mpsc::Sender<String>) {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        match client.read_u8().await {
            Ok(byte) => head.push(byte),
            Err(_) => return,
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let line = head.lines().next().unwrap_or_default().to_string();
    let _ = seen.send(line.clone());
    // `server.test` is this machine's name for the tests: ws leaves the
    // lookup to the proxy, and no DNS is asked.
    let target = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .replace("server.test:", "127.0.0.1:");
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    let _ = client
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .await;
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[test]
fn the_proxy_flag_tunnels_through_http_connect() {
    let (server, home) = (HandshakeServer::start(Answer::Accept(None)), home());
    let (proxy, seen) = start_proxy();
    let flags = ["--proxy", &format!("http://{proxy}")];
    let output = run_script(home.path(), &server.url(), &flags);
    assert_status(&output, 0);
    let line = seen.recv_timeout(PATIENCE).unwrap();
    assert_eq!(line, format!("CONNECT {} HTTP/1.1", server.address));
    assert_eq!(server.request().uri().path(), "/path");
}

#[test]
fn http_proxy_from_the_environment_is_used_but_not_for_this_machine() {
    let (server, home) = (HandshakeServer::start(Answer::Accept(None)), home());
    let (proxy, seen) = start_proxy();
    let script = home.path().join("url.rhai");
    std::fs::write(&script, "print(url());\n").unwrap();
    let run = |url: &str| {
        ws_cmd(home.path())
            .arg("run")
            .arg(&script)
            .arg(url)
            .env("http_proxy", format!("http://{proxy}/"))
            .env("no_proxy", "example.com")
            .output()
            .unwrap()
    };
    let named = format!("ws://server.test:{}/path", server.address.port());
    assert_status(&run(&named), 0);
    assert_eq!(
        seen.recv_timeout(PATIENCE).unwrap(),
        format!("CONNECT server.test:{} HTTP/1.1", server.address.port())
    );
    assert_eq!(server.request().uri().path(), "/path");
    // 127.0.0.1 is reached directly: the run succeeds and the proxy was not asked.
    assert_status(&run(&server.url()), 0);
    assert!(seen.try_recv().is_err());
}

#[test]
fn a_proxy_that_refuses_the_tunnel_is_named() {
    let home = home();
    let address = spawn_server(|mut stream| async move {
        let mut buffer = [0u8; 1024];
        let _ = stream.read(&mut buffer).await;
        let _ = stream
            .write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
            .await;
    });
    let flags = ["--proxy", &format!("{address}")];
    let output = run_script(home.path(), "ws://127.0.0.1:9/", &flags);
    let stderr = assert_status(&output, 1);
    assert!(
        stderr.contains("refused to open a tunnel to 127.0.0.1:9"),
        "{stderr}"
    );
    assert!(
        stderr.contains("http://user:password@host:port"),
        "{stderr}"
    );
}
