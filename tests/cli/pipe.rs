//! `ws pipe` and the `ws URL` shortcut: standard input lines out as
//! messages, messages in as standard output lines, against real servers.

use std::process::{Output, Stdio};

use crate::support::errors;
use crate::support::server::{Action, Frame, TestServer};
use crate::support::{home, ws_cmd};

/// `ws ARGS…` with `input` as standard input (a file, as a shell redirect).
pub(crate) fn pipe(home: &std::path::Path, args: &[&str], input: &[u8]) -> Output {
    let path = home.join("input");
    std::fs::write(&path, input).unwrap();
    ws_cmd(home)
        .args(args)
        .stdin(std::fs::File::open(&path).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn ten_thousand_text_lines_come_back_byte_identical() {
    let (server, home) = (TestServer::echo(), home());
    let input: String = (0..10_000)
        .map(|i| format!("line {i} ünïcödé \"quoted\" {}\n", "x".repeat(i % 97)))
        .collect();
    let out = pipe(home.path(), &["pipe", &server.url()], input.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert!(
        out.stdout == input.as_bytes(),
        "the output differs from the input"
    );
    assert_eq!(server.texts().len(), 10_000);
    assert_eq!(server.wait_close(), (1000, String::new()));
}

#[test]
fn ten_thousand_binary_lines_come_back_byte_identical() {
    let (server, home) = (TestServer::echo(), home());
    let mut input = Vec::new();
    for i in 0..10_000u32 {
        let line: Vec<u8> = (0..(i % 50 + 1))
            .map(|j| ((i + j * 7) % 256) as u8)
            .map(|b| if b == b'\n' { 0xff } else { b })
            .collect();
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    let out = pipe(home.path(), &["pipe", &server.url(), "--binary"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert!(out.stdout == input, "the output differs from the input");
    let binaries = server
        .frames()
        .iter()
        .filter(|f| matches!(f, Frame::Binary(_)))
        .count();
    assert_eq!(binaries, 10_000);
}

#[test]
fn a_bare_url_with_piped_input_takes_the_pipe() {
    let (server, home) = (TestServer::echo(), home());
    let out = pipe(home.path(), &[&server.url()], b"a\nb\n");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(text(&out.stdout), "a\nb\n");
    assert_eq!(server.texts(), ["a", "b"]);
}

#[test]
fn a_bare_word_is_not_a_url() {
    let home = home();
    let out = pipe(home.path(), &["sesion"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        errors(&out.stderr).contains("sesion is not a valid websocket url"),
        "{}",
        errors(&out.stderr)
    );
}

#[test]
fn jsonl_both_ways() {
    let (server, home) = (TestServer::echo(), home());
    let input = "{\"kind\": \"text\", \"data\": \"hi\"}\n{\"kind\": \"binary\", \"data\": \"3q2+7w==\"}\n{\"data\": \"plain\"}\n";
    let out = pipe(
        home.path(),
        &["pipe", &server.url(), "--jsonl"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let kinds_and_data: Vec<(&str, &str)> = lines
        .iter()
        .map(|v| (v["kind"].as_str().unwrap(), v["data"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds_and_data,
        [("text", "hi"), ("binary", "3q2+7w=="), ("text", "plain")]
    );
    assert!(lines.iter().all(|v| v["time"].as_f64().unwrap() > 1.0e9));
    assert!(
        server
            .frames()
            .contains(&Frame::Binary(vec![0xde, 0xad, 0xbe, 0xef]))
    );
}

#[test]
fn a_bad_jsonl_line_is_named_and_what_came_before_is_sent() {
    let (server, home) = (TestServer::echo(), home());
    let input = "{\"data\": \"first\"}\nnot json\n{\"data\": \"never\"}\n";
    let out = pipe(
        home.path(),
        &["pipe", &server.url(), "--jsonl"],
        input.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = errors(&out.stderr);
    assert!(
        stderr.contains("line 2 of standard input: it is not JSON"),
        "{stderr}"
    );
    assert_eq!(server.texts(), ["first"]);
}

#[test]
fn a_line_over_max_message_size_is_named_and_what_came_before_is_sent() {
    let limit = "1000";
    let exact = "x".repeat(1000);
    // A line with no end, far over the limit: read up to the limit only.
    let endless = "y".repeat(20_000_000);
    let cases = [
        (format!("first\n{exact}\n{exact}z\nnever\n"), "text", 3),
        (format!("first\n{exact}\n{endless}"), "text", 3),
        (format!("first\n{exact}\r\n{endless}"), "binary", 3),
        (
            format!(
                "{{\"data\": \"first\"}}\n{{\"data\": \"{exact}\"}}\n{{\"data\": \"{exact}z\"}}\n"
            ),
            "jsonl",
            3,
        ),
    ];
    for (input, mode, line) in cases {
        let (server, home) = (TestServer::echo(), home());
        let url = server.url();
        let mut args = vec!["pipe", &url, "--max-message-size", limit];
        args.extend(match mode {
            "binary" => &["--binary"][..],
            "jsonl" => &["--jsonl"][..],
            _ => &[][..],
        });
        let out = pipe(home.path(), &args, input.as_bytes());
        let stderr = errors(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{mode}: {stderr}");
        assert_eq!(
            stderr,
            format!(
                "ws: error: line {line} of standard input is longer than max_message_size \
                 (1000 bytes); raise it with --max-message-size\n"
            ),
            "{mode}"
        );
        let received: Vec<Vec<u8>> = (server.frames().into_iter())
            .filter_map(|frame| match frame {
                Frame::Text(text) => Some(text.into_bytes()),
                Frame::Binary(bytes) => Some(bytes),
                _ => None,
            })
            .collect();
        let sent = [b"first".to_vec(), exact.clone().into_bytes()];
        assert_eq!(received, sent, "{mode}");
        // Their echoes came before the server's answer to the close.
        if mode != "jsonl" {
            assert_eq!(text(&out.stdout), format!("first\n{exact}\n"), "{mode}");
        }
    }
}

#[test]
fn a_server_close_ends_the_pipe_with_its_status() {
    let server = TestServer::scripted(vec![
        Action::text("bye soon"),
        Action::close(1011, "overloaded"),
    ]);
    let home = home();
    // Standard input stays open: the server's close alone ends the pipe.
    let out = ws_cmd(home.path())
        .args(["pipe", &server.url()])
        .stdin(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "bye soon\n");
    let stderr = errors(&out.stderr);
    assert!(
        stderr.contains("1011") && stderr.contains("overloaded"),
        "{stderr}"
    );
}

#[test]
fn listen_jsonl_is_one_object_a_line() {
    let server = TestServer::scripted(vec![
        Action::text("{\"b\": 1, \"a\": 2}"),
        Action::Send(tokio_tungstenite::tungstenite::Message::binary(vec![1, 2])),
        Action::close(1000, ""),
    ]);
    let home = home();
    let out = ws_cmd(home.path())
        .args(["listen", &server.url(), "--jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{}", text(&out.stdout));
    assert_eq!(lines[0]["kind"], "text");
    assert_eq!(lines[0]["data"], "{\"b\": 1, \"a\": 2}");
    assert_eq!(lines[1]["kind"], "binary");
    assert_eq!(lines[1]["data"], "AQI=");
}

/// A server that echoes each text message 100 ms after it came, and
/// answers a close at once, dropping the echoes it still holds (as Python
/// `websockets` does: its handler's later sends fail once it answered).
fn late_echo_server() -> String {
    use futures_util::{SinkExt, StreamExt};
    use std::time::Duration;
    use tokio::time::Instant;
    use tokio_tungstenite::tungstenite::Message;
    let address = crate::support::server::spawn_server(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let mut held: std::collections::VecDeque<(Instant, String)> = Default::default();
        loop {
            let due = held.front().map(|(at, _)| *at);
            let wait = async {
                match due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                message = ws.next() => match message {
                    Some(Ok(Message::Text(text))) => {
                        let at = Instant::now() + Duration::from_millis(100);
                        held.push_back((at, text.to_string()));
                    }
                    // A close (answered by the stack) or the end.
                    _ => return,
                },
                () = wait => {
                    if let Some((_, text)) = held.pop_front()
                        && ws.send(Message::text(text)).await.is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    format!("ws://{address}/")
}

#[test]
fn at_the_end_of_the_input_the_replies_still_come_until_the_server_is_quiet() {
    let (url, home) = (late_echo_server(), home());
    let out = pipe(home.path(), &["pipe", &url], b"1\n2\n3\n4\n5\n");
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_eq!(text(&out.stdout), "1\n2\n3\n4\n5\n");
    // --linger 0 closes at once, as before: the server drops what it held.
    let out = pipe(
        home.path(),
        &["pipe", &url, "--linger", "0"],
        b"1\n2\n3\n4\n5\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert_ne!(text(&out.stdout), "1\n2\n3\n4\n5\n");
}

#[test]
fn a_server_that_streams_without_pause_is_closed_after_response_timeout() {
    let server = TestServer::scripted(vec![Action::Repeat(
        tokio_tungstenite::tungstenite::Message::text("tick"),
        100_000_000,
    )]);
    let home = home();
    let started = std::time::Instant::now();
    let path = home.path().join("input");
    std::fs::write(&path, "hi\n").unwrap();
    let out = ws_cmd(home.path())
        .env("WS_RESPONSE_TIMEOUT", "1")
        .args(["pipe", &server.url()])
        .stdin(std::fs::File::open(&path).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", errors(&out.stderr));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let _ = server.allow_unused();
}
