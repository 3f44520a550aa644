//! Safety against hostile servers and inputs (docs/SAFETY.md): a server
//! that sends escape sequences, `file@` paths and secrets-bait gets them
//! shown as visible text and sent back literally; secrets never appear in
//! output or transcripts; Rhai code cannot abort the process; SIGHUP ends a
//! session like SIGTERM; transcripts resist hostile names and planted links.

use std::process::Stdio;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::errors;
use crate::support::server::{Action, Frame, TestServer, spawn_server};
use crate::support::ws_with_stdin as ws;
use crate::support::{home, ws_cmd};

/// Retitles and clears a terminal that prints it as is.
const ESCAPES: &str = "\x1b]0;pwned\x07\x1b[2J";
/// The same, as `ws` shows it.
const SHOWN: &str = "\u{241b}]0;pwned\u{2407}\u{241b}[2J";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_no_escape(what: &str, bytes: &[u8]) {
    assert!(
        !bytes.contains(&0x1b) && !bytes.contains(&0x07),
        "{what} holds a control character from the wire: {:?}",
        text(bytes)
    );
}

fn hostile_server() -> TestServer {
    TestServer::scripted(vec![
        Action::text(ESCAPES),
        Action::Send(Message::binary(b"\x1b[2J\x00\xff".to_vec())),
        Action::close(4000, "\x1b[31mred\x07"),
    ])
}

#[test]
fn listen_shows_escape_sequences_as_visible_text() {
    let (server, home) = (hostile_server(), home());
    let out = ws(home.path(), &["listen", &server.url(), "-f", "t.txt"], "");
    assert_eq!(out.status.code(), Some(1), "{}", errors(&out.stderr));
    assert_no_escape("stdout", &out.stdout);
    assert_no_escape("stderr", &out.stderr);
    assert!(text(&out.stdout).contains(SHOWN), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("|.[2J..|"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        errors(&out.stderr).contains("with code 4000 (private use): \u{241b}[31mred\u{2407}"),
        "{}",
        errors(&out.stderr)
    );
    let transcript = std::fs::read(home.path().join("t.txt")).unwrap();
    assert_no_escape("the transcript", &transcript);
    assert!(text(&transcript).contains(SHOWN));
}

#[test]
fn listen_raw_writes_payloads_byte_for_byte() {
    let (server, home) = (hostile_server(), home());
    let out = ws(home.path(), &["listen", &server.url(), "--raw"], "");
    assert_eq!(out.status.code(), Some(1));
    let mut want = format!("{ESCAPES}\n").into_bytes();
    want.extend_from_slice(b"\x1b[2J\x00\xff\n");
    assert_eq!(out.stdout, want);
}

#[test]
fn a_script_and_the_session_show_wire_text_visibly() {
    for command in ["run", "session"] {
        let (server, home) = (hostile_server(), home());
        std::fs::write(home.path().join("s.rhai"), "print(recv()); recv();").unwrap();
        let args: Vec<&str> = match command {
            "run" => vec!["run", "s.rhai", "-f", "t.svg"],
            _ => vec!["session", "-f", "t.svg"],
        };
        let url = server.url();
        let mut args = args;
        args.insert(if command == "run" { 2 } else { 1 }, &url);
        let out = ws(home.path(), &args, "print(recv())\n");
        assert_no_escape("stdout", &out.stdout);
        assert_no_escape("stderr", &out.stderr);
        assert!(text(&out.stdout).contains(SHOWN), "{}", text(&out.stdout));
        let svg = std::fs::read(home.path().join("t.svg")).unwrap();
        assert_no_escape("the SVG", &svg);
        assert!(text(&svg).contains(SHOWN));
    }
}

/// A server that refuses the handshake with escapes in a header and the body.
fn refusing_server() -> std::net::SocketAddr {
    spawn_server(|mut stream| async move {
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).await;
        let body = format!("denied {ESCAPES}\r\nsecond line\x1b[H");
        let response = format!(
            "HTTP/1.1 403 Forbidden\r\nX-Evil: a\u{80}b\u{202e}c\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
}

#[test]
fn a_refused_handshake_is_shown_safely() {
    let (address, home) = (refusing_server(), home());
    let url = format!("ws://{address}/");
    for args in [
        vec!["listen", &url],
        vec!["run", "s.rhai", &url],
        vec!["text", &url, "x"],
    ] {
        std::fs::write(home.path().join("s.rhai"), "").unwrap();
        let out = ws(home.path(), &args, "");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_no_escape("stderr", &out.stderr);
        let err = errors(&out.stderr);
        assert!(err.contains("HTTP 403 Forbidden"), "{err}");
        assert!(err.contains(&format!("denied {SHOWN}")), "{err}");
        assert!(err.contains("x-evil: a"), "{err}");
        assert!(!err.contains('\u{202e}'), "{err}");
    }
}

#[test]
fn file_at_from_the_wire_is_sent_back_literally() {
    let home = home();
    let secret = home.path().join("secret.txt");
    std::fs::write(&secret, "the content of a private file").unwrap();
    let bait = format!("file@{}", secret.display());
    let server = TestServer::scripted(vec![Action::text(&bait), Action::text(&bait)]);
    std::fs::write(
        home.path().join("echo.rhai"),
        "text(recv()); byte(recv()); sleep(0.05);",
    )
    .unwrap();
    let out = ws(home.path(), &["run", "echo.rhai", &server.url()], "");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    server.wait_close();
    assert_eq!(server.texts(), std::slice::from_ref(&bait));
    assert!(
        server
            .frames()
            .contains(&Frame::Binary(bait.clone().into_bytes()))
    );
}

#[test]
fn read_file_and_read_blob_read_files_explicitly() {
    let (server, home) = (TestServer::echo(), home());
    std::fs::write(home.path().join("a.txt"), "from a file").unwrap();
    std::fs::write(home.path().join("a.bin"), [0u8, 1, 255]).unwrap();
    std::fs::write(
        home.path().join("s.rhai"),
        "text(read_file(\"a.txt\")); byte(read_blob(\"a.bin\")); recv(); recv();",
    )
    .unwrap();
    let out = ws(home.path(), &["run", "s.rhai", &server.url()], "");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(server.texts(), ["from a file"]);
    assert!(server.frames().contains(&Frame::Binary(vec![0, 1, 255])));
}

#[test]
fn secrets_are_masked_in_every_output_and_transcript() {
    let (server, home) = (TestServer::echo(), home());
    let url = format!("ws://alice:s3cret@{}/", server.address);
    std::fs::write(
        home.path().join("s.rhai"),
        format!("print(url()); let c = connect(\"{url}\"); c.text(\"hi\"); c.recv(); c.close();"),
    )
    .unwrap();
    let lines = format!(
        "print(url())\nping\nlet c = connect(\"ws://alice:s3\" + \"cret@{}/\")\nc.text(\"x\"); c.recv()\n",
        server.address
    );
    for args in [
        vec!["run", "s.rhai", &url, "-f", "t.txt"],
        vec!["session", &url, "-f", "t.txt"],
        vec!["ping", &url, "-f", "t.txt"],
    ] {
        let out = ws(home.path(), &args, &lines);
        let shown = format!(
            "{}{}{}",
            text(&out.stdout),
            errors(&out.stderr),
            std::fs::read_to_string(home.path().join("t.txt")).unwrap()
        );
        assert!(!shown.contains("s3cret"), "{args:?}: {shown}");
        assert!(shown.contains("alice:***@127.0.0.1"), "{args:?}: {shown}");
        if args[0] != "ping" {
            assert!(
                shown.contains("[ws://alice:***@127.0.0.1"),
                "a connect label: {shown}"
            );
        }
    }
    // The credentials still reach the server.
    let authorization = server.request_header("authorization").unwrap();
    assert_eq!(authorization, "Basic YWxpY2U6czNjcmV0");
}

#[test]
fn secrets_are_masked_in_config_and_errors() {
    let home = home();
    let out = ws(
        home.path(),
        &[
            "config",
            "-H",
            "Authorization: Bearer tok3n",
            "-H",
            "Cookie: id=c00kie",
            "-H",
            "X-Plain: shown",
        ],
        "",
    );
    let shown = text(&out.stdout);
    assert!(
        !shown.contains("tok3n") && !shown.contains("c00kie"),
        "{shown}"
    );
    assert!(shown.contains(r#"["Authorization", "***"]"#), "{shown}");
    assert!(shown.contains(r#"["X-Plain", "shown"]"#), "{shown}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    for args in [
        vec![
            "text".to_string(),
            "ws://u:pa55@host:notaport/".into(),
            "x".into(),
        ],
        vec![
            "text".into(),
            format!("ws://127.0.0.1:{port}/"),
            "x".into(),
            "--proxy".into(),
            "socks5://u:pa55@proxy:1".into(),
        ],
        vec![
            "text".into(),
            format!("ws://127.0.0.1:{port}/"),
            "x".into(),
            "--proxy".into(),
            format!("http://u:pa55@127.0.0.1:{port}"),
        ],
        vec![
            "text".into(),
            format!("ws://127.0.0.1:{port}/"),
            "x".into(),
            "-H".into(),
            "Authorization: pa55\u{1}".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = ws(home.path(), &args, "");
        let err = errors(&out.stderr);
        assert!(matches!(out.status.code(), Some(1 | 2)), "{args:?}: {err}");
        assert!(!err.contains("pa55"), "{args:?}: {err}");
    }
}

#[test]
fn a_closed_pipe_on_standard_output_ends_quietly() {
    use std::os::fd::{FromRawFd, OwnedFd};
    let (server, home) = (TestServer::scripted(vec![Action::text("x")]), home());
    std::fs::write(home.path().join("big.txt"), "line\n".repeat(100_000)).unwrap();
    let url = server.url();
    for args in [
        vec!["completion", "bash"],
        vec!["config"],
        vec!["tail", "big.txt", "-n", "100000"],
        vec!["--help"],
        vec!["listen", &url, "-d", "1"],
    ] {
        let mut fds = [0; 2];
        // SAFETY: pipe(2) fills two new descriptors that we then own.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
        drop(read);
        let out = ws_cmd(home.path())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(write))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            errors(&out.stderr)
        );
        assert_eq!(errors(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn a_server_that_hangs_up_during_the_handshake_is_one_sentence() {
    let address = spawn_server(|mut stream| async move {
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).await;
    });
    let home = home();
    let out = ws(home.path(), &["text", &format!("ws://{address}/"), "x"], "");
    let err = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("closed the connection before the websocket handshake finished"),
        "{err}"
    );
    assert!(!err.contains("Handshake not finished"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// A server that completes the handshake, then sends `frame` as raw bytes.
fn raw_frame_server(frame: Vec<u8>) -> std::net::SocketAddr {
    spawn_server(move |mut stream| {
        let frame = frame.clone();
        async move {
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let request = String::from_utf8_lossy(&request).to_string();
            let key = request
                .lines()
                .find_map(|l| {
                    l.strip_prefix("Sec-WebSocket-Key: ")
                        .or_else(|| l.strip_prefix("sec-websocket-key: "))
                })
                .unwrap_or_default()
                .trim()
                .to_string();
            let accept =
                tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
            let head = format!(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&frame).await;
            let _ = stream.read(&mut buf).await;
        }
    })
}

#[test]
fn a_huge_close_reason_with_escapes_is_a_protocol_error_in_one_sentence() {
    let mut payload = 4000u16.to_be_bytes().to_vec();
    payload.extend(format!("{ESCAPES}{}", "x".repeat(200)).into_bytes());
    let mut frame = vec![0x88, 126];
    frame.extend((payload.len() as u16).to_be_bytes());
    frame.extend(payload);
    let (address, home) = (raw_frame_server(frame), home());
    std::fs::write(home.path().join("r.rhai"), "expect(\"x\", 5);").unwrap();
    let url = format!("ws://{address}/");
    for command in [vec!["listen", &url], vec!["run", "r.rhai", &url]] {
        let out = ws(home.path(), &command, "");
        assert_eq!(
            out.status.code(),
            Some(1),
            "{command:?}: {} / {}",
            text(&out.stdout),
            errors(&out.stderr)
        );
        assert_no_escape("stdout", &out.stdout);
        assert_no_escape("stderr", &out.stderr);
        let shown = format!("{}{}", text(&out.stdout), errors(&out.stderr));
        assert!(!shown.contains("xxxxxxxxxx"), "{shown}");
        assert!(
            shown.to_lowercase().contains("control frame"),
            "{command:?}: {shown}"
        );
    }
}
