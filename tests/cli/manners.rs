//! Manners on the wire and on the screen: the line that says what was
//! negotiated, `-q` and `-v`, `--replies`, `listen -n`, `--jsonl` that
//! carries messages, and closes that end when the server never answers.

use std::process::Output;

use futures_util::{SinkExt, StreamExt};
use tokio::io::AsyncReadExt;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};

use crate::support::server::{Action, Frame, TestServer, spawn_server};
use crate::support::{errors, home, with_stdin, ws_cmd};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ws(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    with_stdin(command, stdin)
}

/// A server that chooses the subprotocol `chat` and echoes.
fn chat_server() -> String {
    let address = spawn_server(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, choose_chat).await else {
            return;
        };
        while let Some(Ok(message)) = ws.next().await {
            if message.is_text() || message.is_binary() {
                let _ = ws.send(message).await;
            }
        }
    });
    format!("ws://{address}/")
}

// The error type is tungstenite's, as its callback wants it.
#[allow(clippy::result_large_err)]
fn choose_chat(_: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    let value = "chat".parse().unwrap();
    response
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", value);
    Ok(response)
}

/// A server that takes the handshake, then reads bytes and never answers
/// anything, the close included.
fn deaf_after_handshake() -> String {
    let address = spawn_server(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let mut sink = vec![0; 64 * 1024];
        while let Ok(n) = ws.get_mut().read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    format!("ws://{address}/")
}

#[test]
fn every_client_command_says_what_was_negotiated_unless_quiet() {
    let url = chat_server();
    let want = format!("Connected to {url} with subprotocol chat.\n");
    let commands: [&[&str]; 4] = [
        &[
            "text",
            &url,
            "hi",
            "--subprotocol",
            "chat",
            "--no-compression",
        ],
        &["ping", &url, "--subprotocol", "chat", "--no-compression"],
        &[
            "listen",
            &url,
            "-d",
            "0.2",
            "--subprotocol",
            "chat",
            "--no-compression",
        ],
        &["pipe", &url, "--subprotocol", "chat", "--no-compression"],
    ];
    for args in commands {
        let out = ws(args, &[], b"");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().next(), Some(want.trim_end()), "{args:?}");
        let mut quiet = args.to_vec();
        quiet.push("-q");
        let out = ws(&quiet, &[], b"");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{quiet:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{quiet:?}");
    }
}

#[test]
fn a_quiet_text_prints_nothing_and_still_sends() {
    let server = TestServer::silent();
    let out = ws(&["text", &server.url(), "hello", "-q"], &[], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");
    server.wait_gone();
    assert!(server.frames().contains(&Frame::Text("hello".into())));
}

#[test]
fn text_with_replies_prints_the_first_ones_as_pipe_does() {
    let server = TestServer::scripted(vec![
        Action::text("one"),
        Action::text("two"),
        Action::text("three"),
    ]);
    let out = ws(&["text", &server.url(), "hi", "--replies", "2"], &[], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "one\ntwo\n");
    assert!(
        errors(&out.stderr).starts_with("Sent 2 B"),
        "{}",
        text(&out.stderr)
    );
    server.wait_gone();
    let frames = server.frames();
    assert!(frames.contains(&Frame::Text("hi".into())), "{frames:?}");
    assert!(
        frames.contains(&Frame::Close(1000, String::new())),
        "{frames:?}"
    );

    let out = ws(
        &[
            "text",
            &server.url(),
            "hi",
            "--replies",
            "1",
            "--jsonl",
            "-q",
        ],
        &[],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let line: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(line["kind"], "text");
    assert_eq!(line["data"], "one");
}

#[test]
fn text_with_more_replies_than_came_fails_with_a_sentence() {
    let server = TestServer::scripted(vec![Action::text("one")]);
    let env = [("WS_RESPONSE_TIMEOUT", "0.5")];
    let out = ws(&["byte", &server.url(), "hi", "--replies", "3"], &env, b"");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "one\n");
    assert!(
        errors(&out.stderr).ends_with(
            "ws: error: 3 replies were asked for within 0.5 s (response_timeout), but only 1 came\n"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn listen_count_stops_after_n_messages_and_closes_normally() {
    let server = TestServer::scripted(vec![
        Action::text("one"),
        Action::text("two"),
        Action::text("three"),
    ]);
    let out = ws(&["listen", &server.url(), "-n", "2", "--raw"], &[], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "one\ntwo\n");
    server.wait_gone();
    assert!(server.frames().contains(&Frame::Close(1000, String::new())));
}

#[test]
fn jsonl_carries_messages_and_control_frames_only_with_verbose() {
    let script = vec![
        Action::Send(Message::Ping(b"hb".to_vec().into())),
        Action::text("data"),
        Action::close(1000, "bye"),
    ];
    for command in ["listen", "pipe"] {
        let server = TestServer::scripted(script.clone());
        let out = ws(&[command, &server.url(), "--jsonl"], &[], b"");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let kinds: Vec<String> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
            .collect();
        assert_eq!(kinds, ["\"text\""], "{command}");

        let server = TestServer::scripted(script.clone());
        let out = ws(&[command, &server.url(), "--jsonl", "-v"], &[], b"");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let lines: Vec<serde_json::Value> = text(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["ping", "text", "close"], "{command}");
        assert_eq!(lines[2]["code"], 1000);
        assert_eq!(lines[2]["reason"], "bye");
    }
}

#[test]
fn pipe_jsonl_sends_any_json_value_as_data() {
    let server = TestServer::echo();
    let input = b"{\"data\": {\"op\": 1, \"d\": [true]}}\n{\"data\": 42}\n{\"data\": \"as is\"}\n";
    let out = ws(&["pipe", &server.url(), "--jsonl", "-q"], &[], input);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    server.wait_gone();
    let sent: Vec<Frame> = server
        .frames()
        .into_iter()
        .filter(|f| matches!(f, Frame::Text(_)))
        .collect();
    assert_eq!(
        sent,
        [
            Frame::Text(r#"{"op":1,"d":[true]}"#.into()),
            Frame::Text("42".into()),
            Frame::Text("as is".into()),
        ]
    );
}

#[test]
fn a_close_the_server_never_answers_ends_after_disconnect_timeout_and_says_so() {
    let url = deaf_after_handshake();
    let env = [("WS_DISCONNECT_TIMEOUT", "0.5")];
    let out = ws(&["text", &url, "hi"], &env, b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "Sent 2 B of data over the wire.\n");
    assert_eq!(
        errors(&out.stderr),
        "Closed: the server did not answer the close within 0.5 s.\n"
    );
    let out = ws(&["text", &url, "hi", "-q"], &env, b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "");
}

#[test]
fn ping_waits_once_for_a_server_that_answers_nothing() {
    // A pong that never comes is waited for; the close after it is not:
    // with a disconnect_timeout far past the test's patience, only a
    // close that goes without waiting lets ws end.
    let url = deaf_after_handshake();
    let env = [
        ("WS_RESPONSE_TIMEOUT", "0.5"),
        ("WS_DISCONNECT_TIMEOUT", "600"),
    ];
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(["ping", &url, "-n", "1"]).envs(env);
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + crate::support::pty::PATIENCE;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("ws ping waited for the close of a server that answers nothing");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("No pong 1 within 0.5 s"));
}
