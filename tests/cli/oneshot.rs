//! The one-shot commands through the real binary: `text`, `byte`, `ping`,
//! `pong`, `listen`, `tail`, the completion commands and `man`, against recording
//! servers.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use tokio_tungstenite::tungstenite::Message;

use crate::support::errors;
use crate::support::server::{Action, Frame, TestServer};
use crate::support::ws_with_stdin as ws;
use crate::support::{home, with_stdin, ws_cmd};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What arrived, less the connection markers.
fn received(server: &TestServer) -> Vec<Frame> {
    server.wait_gone();
    server
        .frames()
        .into_iter()
        .filter(|f| !matches!(f, Frame::Connected | Frame::Gone))
        .collect()
}

fn port_of(server: &TestServer) -> String {
    format!(":{}", server.address.port())
}

/// `ws text URL hello` succeeds, and the server got the message and our close.
fn assert_hello_sent_and_closed(server: &TestServer) {
    let home = home();
    let out = ws(home.path(), &["text", &server.url(), "hello"], b"");
    assert_eq!(text(&out.stdout), "Sent 5 B of data over the wire.\n");
    let connected = format!("Connected to {}.\n", server.url());
    assert_eq!(text(&out.stderr), connected);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        received(server),
        [
            Frame::Text("hello".into()),
            Frame::Close(1000, String::new())
        ]
    );
}

#[test]
fn text_sends_one_message_and_closes_with_1000() {
    assert_hello_sent_and_closed(&TestServer::silent());
}

#[test]
fn a_server_that_ends_the_connection_on_our_close_without_answering_it_is_a_success() {
    // It read our close frame (and all before it) and closed the socket:
    // the close is done, as far as the server lets it be.
    assert_hello_sent_and_closed(&TestServer::unanswering());
}

#[test]
fn byte_sends_binary_to_the_port_shorthand() {
    let (server, home) = (TestServer::silent(), home());
    let out = ws(home.path(), &["byte", &port_of(&server), "hi there"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(text(&out.stdout), "Sent 8 B of data over the wire.\n");
    assert_eq!(
        received(&server),
        [
            Frame::Binary(b"hi there".to_vec()),
            Frame::Close(1000, String::new())
        ]
    );
}

#[test]
fn file_contents_are_sent_byte_for_byte() {
    let (server, home) = (TestServer::silent(), home());
    let every_byte: Vec<u8> = (0..=255).collect();
    std::fs::write(home.path().join("all.bin"), &every_byte).unwrap();
    std::fs::write(home.path().join("doc.txt"), "line one\r\nline two\n\n").unwrap();
    let out = ws(home.path(), &["byte", &server.url(), "file@all.bin"], b"");
    assert_eq!(text(&out.stdout), "Sent 256 B of data over the wire.\n");
    let out = ws(home.path(), &["text", &server.url(), "file@doc.txt"], b"");
    assert_eq!(text(&out.stdout), "Sent 20 B of data over the wire.\n");
    server.wait_for("the text file", |f| matches!(f, Frame::Text(_)));
    let messages: Vec<Frame> = server
        .frames()
        .into_iter()
        .filter(|f| matches!(f, Frame::Text(_) | Frame::Binary(_)))
        .collect();
    assert_eq!(
        messages,
        [
            Frame::Binary(every_byte),
            Frame::Text("line one\r\nline two\n\n".into())
        ]
    );
}

#[test]
fn a_dash_reads_standard_input() {
    let (server, home) = (TestServer::silent(), home());
    let out = ws(home.path(), &["text", &server.url(), "-"], b"from stdin\n");
    assert_eq!(text(&out.stdout), "Sent 11 B of data over the wire.\n");
    let out = ws(home.path(), &["byte", &server.url(), "-"], [0, 159, 255]);
    assert_eq!(text(&out.stdout), "Sent 3 B of data over the wire.\n");
    server.wait_for("the binary", |f| matches!(f, Frame::Binary(_)));
    assert_eq!(server.texts(), ["from stdin\n"]);
    assert!(server.frames().contains(&Frame::Binary(vec![0, 159, 255])));
}

#[test]
fn a_missing_file_is_named_and_nothing_is_sent() {
    let (server, home) = (TestServer::silent(), home());
    let out = ws(home.path(), &["text", &server.url(), "file@nope.txt"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        errors(&out.stderr),
        "ws: error: cannot read nope.txt: no such file or directory\n"
    );
    assert_eq!(text(&out.stdout), "");
    server.assert_unused();
}

#[test]
fn a_file_or_input_over_max_message_size_is_refused_unread_and_nothing_is_sent() {
    let home = home();
    std::fs::write(home.path().join("big.txt"), "x".repeat(101)).unwrap();
    let over = [7u8; 101];
    // /dev/zero never ends: it is read up to the limit, not to the end.
    let cases: [(&[&str], &[u8], &str, &str); 3] = [
        (
            &["text", "file@big.txt", "--max-message-size", "100"],
            b"",
            "big.txt",
            "100",
        ),
        (
            &["byte", "-", "--max-message-size", "100"],
            &over,
            "standard input",
            "100",
        ),
        (&["byte", "file@/dev/zero"], b"", "/dev/zero", "16777216"),
    ];
    for (args, input, what, limit) in cases {
        let server = TestServer::silent();
        let url = server.url();
        let args: Vec<&str> = [&args[..1], &[url.as_str()], &args[1..]].concat();
        let out = ws(home.path(), &args, input);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            errors(&out.stderr),
            format!(
                "ws: error: {what} is larger than max_message_size ({limit} bytes); \
                 raise it with --max-message-size\n"
            )
        );
        server.assert_unused();
    }
}

#[test]
fn a_script_settings_or_key_file_that_never_ends_is_refused_before_connecting() {
    // Where code, settings and keys are read, an endless file (or input)
    // is read up to 16 MiB, then named; nothing is sent.
    let home = home();
    let too_large = "it is larger than 16 MiB, more than a script, settings or key file holds";
    std::fs::create_dir(home.path().join("suite")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", home.path().join("suite/endless.rhai")).unwrap();
    let endless = vec![b' '; (16 << 20) + 1];
    let server = TestServer::silent();
    let (url, tls_url) = (server.url(), server.url().replace("ws://", "wss://"));
    let cases: [(&[&str], &[u8], &str); 5] = [
        (&["run", "/dev/zero", &url], b"", "/dev/zero"),
        (
            &["run", "-", &url],
            &endless,
            "the script from standard input",
        ),
        (
            &["listen", &url, "--preamble", "/dev/zero"],
            b"",
            "/dev/zero",
        ),
        (&["test", "suite", "--url", &url], b"", "suite/endless.rhai"),
        (&["text", &tls_url, "hi"], b"", "tls_ca_file /dev/zero"),
    ];
    for (args, input, what) in cases {
        let mut command = ws_cmd(home.path());
        command.args(args).env("WS_TLS_CA_FILE", "/dev/zero");
        let out = with_stdin(command, input);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            errors(&out.stderr),
            format!("ws: error: cannot read {what}: {too_large}\n"),
            "{args:?}"
        );
    }
    // The settings file in the working folder.
    std::os::unix::fs::symlink("/dev/zero", home.path().join("ws.toml")).unwrap();
    let out = ws(home.path(), &["text", &url, "hi"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        errors(&out.stderr),
        format!("ws: error: cannot read the settings file ./ws.toml: {too_large}\n")
    );
    server.assert_unused();
}

#[test]
fn text_that_is_not_utf8_is_refused() {
    let (server, home) = (TestServer::silent(), home());
    let out = ws(home.path(), &["text", &server.url(), "-"], [0xff, 0xfe]);
    assert_eq!(out.status.code(), Some(2));
    assert!(errors(&out.stderr).contains("standard input is not UTF-8 text; send it as binary"));
    server.assert_unused();
}

#[test]
fn an_invalid_url_exits_2() {
    let home = home();
    for url in ["ftp://example.com", "example", "ws://host:99999"] {
        let out = ws(home.path(), &["text", url, "hi"], b"");
        assert_eq!(out.status.code(), Some(2), "{url}");
        assert_eq!(
            errors(&out.stderr),
            format!(
                "ws: error: {url} is not a valid websocket url (use ws://host:port/path, wss://…, or :PORT)\n"
            )
        );
    }
}

#[test]
fn an_http_url_is_answered_with_the_websocket_url_to_use() {
    let home = home();
    for (url, want) in [
        ("http://example.com/chat", "ws://example.com/chat"),
        ("https://example.com:8443/", "wss://example.com:8443/"),
    ] {
        let out = ws(home.path(), &["text", url, "hi"], b"");
        assert_eq!(out.status.code(), Some(2), "{url}");
        assert_eq!(
            errors(&out.stderr),
            format!("ws: error: {url} is an HTTP url; a websocket server is reached at {want}\n")
        );
    }
}

#[test]
fn a_refused_connection_is_one_sentence() {
    let home = home();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let url = format!("ws://127.0.0.1:{port}/");
    let out = ws(home.path(), &["text", &url, "hi"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        errors(&out.stderr),
        format!(
            "ws: error: could not connect to 127.0.0.1:{port}: connection refused; is the server running and the port right?\n"
        )
    );
}

#[test]
fn handshake_headers_and_subprotocols_are_sent() {
    let (server, home) = (TestServer::silent(), home());
    let args = [
        "text",
        &server.url(),
        "x",
        "-H",
        "X-Trace: 42",
        "--origin",
        "http://example.com",
        "--subprotocol",
        "chat.v2",
        "--connect-timeout",
        "2",
        "--max-message-size",
        "1K",
    ];
    let out = ws(home.path(), &args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(server.request_header("X-Trace").as_deref(), Some("42"));
    let origin = server.request_header("Origin");
    assert_eq!(origin.as_deref(), Some("http://example.com"));
    let protocol = server.request_header("Sec-WebSocket-Protocol");
    assert_eq!(protocol.as_deref(), Some("chat.v2"));
    let agent = server.request_header("User-Agent");
    assert_eq!(agent, Some(format!("ws/{}", env!("CARGO_PKG_VERSION"))));
    let server = TestServer::silent();
    let out = ws(
        home.path(),
        &["text", &server.url(), "x", "-H", "User-Agent: probe/1"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(
        server.request_header("User-Agent").as_deref(),
        Some("probe/1")
    );
    let out = ws(
        home.path(),
        &["text", &server.url(), "x", "--connect-timeout", "soon"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        errors(&out.stderr)
            .contains("connect_timeout = \"soon\" (flag --connect-timeout) is not allowed")
    );
    let out = ws(
        home.path(),
        &["text", &server.url(), "x", "-H", "nocolon"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn listen_refuses_a_message_over_max_message_size_with_1009() {
    let home = home();
    let big = "y".repeat(2000);
    let server = TestServer::scripted(vec![Action::text("small"), Action::text(&big)]);
    let args = ["listen", &server.url(), "--max-message-size", "1K"];
    let out = ws(home.path(), &args, b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(without_times(&text(&out.stdout)), "< text T small\n");
    let stderr = errors(&out.stderr);
    assert!(
        stderr.starts_with("ws: error: a message of 2000 bytes arrived, over max_message_size"),
        "{stderr}"
    );
    assert_eq!(server.wait_close().0, 1009);
}

#[test]
fn ping_three_times_prints_three_pongs_and_a_summary() {
    let (server, home) = (TestServer::silent(), home());
    let url = server.url();
    let out = ws(
        home.path(),
        &["ping", &url, "-n", "3", "-i", "0", "-m", "hey"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert_eq!(lines[0], format!("PING {url} with 3 bytes of data"));
    for (i, line) in lines[1..4].iter().enumerate() {
        let prefix = format!("Pong {} from {url}: time=", i + 1);
        assert!(line.starts_with(&prefix) && line.ends_with(" ms"), "{line}");
    }
    assert_eq!(lines[4], format!("--- {url} ping statistics ---"));
    assert!(
        lines[5].starts_with("3 pings sent, 3 pongs received, 0.0% loss, time "),
        "{}",
        lines[5]
    );
    assert!(
        lines[6].starts_with("round trip min/avg/max = "),
        "{}",
        lines[6]
    );
    let mut expected = vec![Frame::Ping(b"hey".to_vec()); 3];
    expected.push(Frame::Close(1000, String::new()));
    assert_eq!(received(&server), expected);
}

#[test]
fn a_ping_payload_over_125_bytes_is_refused() {
    let (server, home) = (TestServer::silent(), home());
    let long = "x".repeat(126);
    for command in ["ping", "pong"] {
        let out = ws(home.path(), &[command, &server.url(), "-m", &long], b"");
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            errors(&out.stderr),
            "ws: error: the message is 126 bytes long; a ping or pong can carry at most 125 bytes\n"
        );
    }
    server.assert_unused();
}

#[test]
fn pong_sends_unsolicited_pongs_and_says_how_long_each_took() {
    let (server, home) = (TestServer::silent(), home());
    let url = server.url();
    let out = ws(
        home.path(),
        &["pong", &url, "-n", "2", "-i", "0", "-m", "k"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(&format!("PONG {url} with 1 bytes of data\n")));
    assert!(stdout.contains("Pong 1 sent: took "), "{stdout}");
    assert!(stdout.contains("Pong 2 sent: took "), "{stdout}");
    assert!(stdout.contains("2 pongs sent, time "), "{stdout}");
    let expected = [
        Frame::Pong(b"k".to_vec()),
        Frame::Pong(b"k".to_vec()),
        Frame::Close(1000, String::new()),
    ];
    assert_eq!(received(&server), expected);
}

#[test]
fn ping_forever_stops_at_the_duration() {
    let (server, home) = (TestServer::silent(), home());
    let args = ["ping", &server.url(), "-n", "-1", "-i", "0.05", "-d", "0.3"];
    let out = ws(home.path(), &args, b"");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("ping statistics"), "{stdout}");
    assert_eq!(server.wait_close(), (1000, String::new()));
}

#[test]
fn ping_ends_with_status_1_when_the_server_closes_with_1011() {
    let home = home();
    let server = TestServer::scripted(vec![Action::close(1011, "boom")]);
    let out = ws(home.path(), &["ping", &server.url(), "-n", "-1"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        errors(&out.stderr),
        "ws: error: the connection was closed by the server with code 1011 (internal error): boom\n"
    );
    assert!(text(&out.stdout).contains("ping statistics"));
}

/// `stdout` with every `HH:MM:SS.mmm` replaced by `T`.
fn without_times(stdout: &str) -> String {
    let shape = |w: &[u8]| {
        w.iter().enumerate().all(|(i, b)| match i {
            2 | 5 => *b == b':',
            8 => *b == b'.',
            _ => b.is_ascii_digit(),
        })
    };
    let bytes = stdout.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if i + 12 <= bytes.len() && shape(&bytes[i..i + 12]) {
            out.push('T');
            i += 12;
        } else {
            let c = stdout[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn listen_prints_each_message_with_kind_and_time() {
    let home = home();
    let server = TestServer::scripted(vec![
        Action::text("hello"),
        Action::text(r#"{"id":1,"tags":["a"]}"#),
        Action::Send(Message::binary(b"\x00\x01binary!".to_vec())),
        Action::Send(Message::Ping(b"are you there".to_vec().into())),
        Action::close(1000, "done"),
    ]);
    let out = ws(home.path(), &["listen", &server.url(), "--json", "-v"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let expected = [
        "< text T hello",
        "< text T {",
        r#"  "id": 1,"#,
        r#"  "tags": ["#,
        r#"    "a""#,
        "  ]",
        "}",
        "< binary T 9 B",
        "  00000000  00 01 62 69 6e 61 72 79  21                       |..binary!|",
        "< ping T 13 B are you there",
        "",
    ];
    assert_eq!(without_times(&text(&out.stdout)), expected.join("\n"));
    assert_eq!(
        errors(&out.stderr),
        "Connection closed by the server with code 1000 (normal closure): done\n"
    );
    assert_eq!(server.wait_close(), (1000, "done".to_string()));
}

#[test]
fn listen_without_json_prints_json_as_sent() {
    let home = home();
    let server = TestServer::scripted(vec![Action::text(r#"{"id":1}"#), Action::close(1001, "")]);
    let out = ws(home.path(), &["listen", &server.url()], b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(without_times(&text(&out.stdout)), "< text T {\"id\":1}\n");
}

#[test]
fn listen_exits_1_naming_an_abnormal_close() {
    let home = home();
    let server = TestServer::scripted(vec![Action::text("last"), Action::close(1011, "boom")]);
    let out = ws(home.path(), &["listen", &server.url()], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(without_times(&text(&out.stdout)), "< text T last\n");
    assert_eq!(
        errors(&out.stderr),
        "ws: error: the connection was closed by the server with code 1011 (internal error): boom\n"
    );
}

#[test]
fn listen_exits_1_on_a_dropped_connection() {
    let home = home();
    let server = TestServer::scripted(vec![Action::text("before"), Action::Drop]);
    let out = ws(home.path(), &["listen", &server.url()], b"");
    assert_eq!(out.status.code(), Some(1));
    let stderr = errors(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("ws: error: the connection was dropped"),
        "{stderr}"
    );
}

#[test]
fn listen_keeps_every_message_of_a_burst() {
    let home = home();
    let count = 20_000;
    let server = TestServer::scripted(vec![
        Action::Repeat(Message::text("x".repeat(64)), count),
        Action::close(1000, ""),
    ]);
    let out = ws(home.path(), &["listen", &server.url()], b"");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let payload = format!(" {}", "x".repeat(64));
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with(&payload)).count(),
        count
    );
}

#[test]
fn listen_stops_after_the_duration_with_1000() {
    let (server, home) = (TestServer::silent(), home());
    let out = ws(home.path(), &["listen", &server.url(), "-d", "0.2"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(server.wait_close(), (1000, String::new()));
}

#[test]
fn listen_closes_with_1001_on_sigint() {
    let (server, home) = (TestServer::silent(), home());
    let mut child = ws_cmd(home.path())
        .args(["listen", &server.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_connected();
    server.send_text("ready?");
    // Shown, so the handshake is over on ws's side too (a Ctrl+C during
    // the handshake drops it without a close).
    let mut shown = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("ready?") {
        line.clear();
        assert!(std::io::BufRead::read_line(&mut shown, &mut line).unwrap() > 0);
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    assert_eq!(server.wait_close(), (1001, String::new()));
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(errors(&out.stderr), "");
}

#[test]
fn tail_prints_the_last_lines() {
    let home = home();
    let log = home.path().join("server.log");
    let lines: String = (1..=15).map(|i| format!("line {i}\n")).collect();
    std::fs::write(&log, lines).unwrap();
    let out = ws(home.path(), &["tail", "server.log"], b"");
    let want: String = (6..=15).map(|i| format!("line {i}\n")).collect();
    assert_eq!(text(&out.stdout), want);
    let out = ws(home.path(), &["tail", "server.log", "-n", "2"], b"");
    assert_eq!(text(&out.stdout), "line 14\nline 15\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn tail_of_standard_input_prints_its_last_lines() {
    let home = home();
    let lines: String = (1..=100_000).map(|i| format!("line {i}\n")).collect();
    let out = ws(home.path(), &["tail", "-n", "3", "-"], lines.as_bytes());
    assert_eq!(text(&out.stdout), "line 99998\nline 99999\nline 100000\n");
    assert_eq!(out.status.code(), Some(0));
    // A last line without its newline is a line; -f ends with the pipe.
    let out = ws(home.path(), &["tail", "-f", "-n", "2", "-"], b"a\nb\nc");
    assert_eq!(text(&out.stdout), "b\nc");
    assert_eq!(out.status.code(), Some(0));
    let out = ws(home.path(), &["tail", "-n", "0", "-"], b"a\nb\n");
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn tail_of_a_missing_file_is_a_clear_error() {
    let home = home();
    let out = ws(home.path(), &["tail", "missing.log"], b"");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        errors(&out.stderr),
        "ws: error: cannot read missing.log: no such file or directory\n"
    );
}

/// A running command whose standard output is read line by line.
struct Follower {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Follower {
    fn spawn(home: &Path, args: &[&str]) -> Follower {
        use std::io::BufRead;
        let mut child = ws_cmd(home)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines }
    }

    /// Waits for the next line and checks it.
    fn expect(&self, want: &str) {
        let patience = crate::support::pty::PATIENCE;
        match self.lines.recv_timeout(patience) {
            Ok(line) => assert_eq!(line, want),
            Err(_) => panic!("no line {want:?} within {patience:?}"),
        }
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

#[test]
fn tail_follows_appends_truncation_and_rotation() {
    let home = home();
    let log = home.path().join("app.log");
    let old: String = (1..=20).map(|i| format!("old line number {i}\n")).collect();
    std::fs::write(&log, old).unwrap();
    let tail = Follower::spawn(home.path(), &["tail", "app.log", "-n", "1", "-f"]);
    tail.expect("old line number 20");
    append(&log, "appended\n");
    tail.expect("appended");
    // Truncated and rewritten shorter: followed from its start.
    std::fs::write(&log, "fresh start\n").unwrap();
    tail.expect("fresh start");
    append(&log, "after truncation\n");
    tail.expect("after truncation");
    // Rotated: the rest of the old file, then the new file from its start.
    append(&log, "last of the old file\n");
    tail.expect("last of the old file");
    std::fs::rename(&log, home.path().join("app.log.1")).unwrap();
    std::fs::write(&log, "new file\n").unwrap();
    tail.expect("new file");
    append(&log, "more\n");
    tail.expect("more");
}

#[test]
fn completion_prints_a_script_for_each_shell() {
    let home = home();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = ws(home.path(), &["completion", shell], b"");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains("echo-server"), "{shell}: {script}");
    }
}

/// The subcommand names listed under "Commands:" in `ws --help`.
fn subcommands_in_help(home: &Path) -> Vec<String> {
    let help = text(&ws(home, &["--help"], b"").stdout);
    let listing = help
        .split("Commands:\n")
        .nth(1)
        .expect("a Commands: section");
    listing
        .lines()
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn man_prints_a_page_naming_every_subcommand() {
    let home = home();
    let out = ws(home.path(), &["man"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let page = text(&out.stdout);
    for section in [".TH ws 1", ".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "{section} missing:\n{page}");
    }
    let names = subcommands_in_help(home.path());
    assert!(names.len() >= 15, "{names:?}");
    for name in &names {
        let escaped = name.replace('-', "\\-");
        assert!(
            page.contains(&format!("ws\\-{escaped}(1)")),
            "{name}:\n{page}"
        );
        let sub = ws(home.path(), &["man", name], b"");
        assert_eq!(sub.status.code(), Some(0), "{name}");
        assert!(
            text(&sub.stdout).contains(&format!(".TH ws-{name} 1")),
            "{name}"
        );
    }
}

#[test]
fn man_of_an_unknown_subcommand_names_the_pages() {
    let home = home();
    let out = ws(home.path(), &["man", "nope"], b"");
    assert_eq!(out.status.code(), Some(2));
    let stderr = errors(&out.stderr);
    assert!(stderr.contains("there is no subcommand `nope`"), "{stderr}");
    assert!(stderr.contains("echo-server"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn install_completion_writes_where_the_shell_looks() {
    let home = home();
    let cases = [
        ("/bin/bash", "data/bash-completion/completions/ws"),
        ("/usr/bin/zsh", ".zfunc/_ws"),
        ("/usr/local/bin/fish", "config/fish/completions/ws.fish"),
    ];
    for (shell, file) in cases {
        let out = ws_cmd(home.path())
            .arg("install-completion")
            .env("SHELL", shell)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
        let path = home.path().join(file);
        let stdout = text(&out.stdout);
        assert!(stdout.contains(&path.display().to_string()), "{stdout}");
        let script = std::fs::read_to_string(&path).unwrap();
        assert!(script.contains("install-completion"), "{file}");
    }
    let out = ws_cmd(home.path())
        .arg("install-completion")
        .env("SHELL", "/bin/tcsh")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        errors(&out.stderr),
        "ws: error: install-completion supports bash, zsh and fish, not tcsh; ws completion SHELL prints the script for powershell and elvish\n"
    );
}
