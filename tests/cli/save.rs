//! `save FILE.rhai` in a session (pseudo-terminal): the script it writes,
//! `ws run` of it against the same kind of server (passes) and against a
//! server that answers differently (fails naming the expect); and history
//! that keeps a multi-line block as one entry.

use std::path::Path;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::pty::Pty;
use crate::support::server::{Frame, TestServer, spawn_server};
use crate::support::{home, ws_cmd};

/// A session on `server` past its welcome.
fn session(server: &TestServer, home: &Path) -> Pty {
    let mut command = ws_cmd(home);
    command.args(["session", &server.url()]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session!");
    pty.next_prompt();
    server.wait_connected();
    pty
}

/// Types `line` and waits until the server has `frame` and the prompt is back.
fn sent(pty: &mut Pty, server: &TestServer, line: &str, frame: Frame) {
    pty.line(line);
    server.wait_for(line, |f| *f == frame);
    pty.next_prompt();
}

/// A session with plain commands, Rhai, a multi-line block and received
/// messages, saved to `s.rhai`; returns the script.
fn saved_session(home: &Path) -> String {
    let server = TestServer::echo();
    let mut pty = session(&server, home);
    sent(
        &mut pty,
        &server,
        "text hello \"world\"",
        Frame::Text("hello \"world\"".into()),
    );
    pty.wait_screen("< text");
    pty.line("let n = 6 * 7");
    pty.next_prompt();
    // The block's further lines go to the same prompt.
    pty.line("for i in 0..2 {");
    pty.send("    text(`item ${i}`)\r");
    pty.send("}\r");
    server.wait_for("the block", |f| *f == Frame::Text("item 1".into()));
    pty.wait_screen("item 1\n");
    pty.next_prompt();
    sent(
        &mut pty,
        &server,
        "text(\"n=\" + n); let reply = recv()",
        Frame::Text("n=42".into()),
    );
    pty.line("1 + 2");
    pty.expect("3");
    pty.next_prompt();
    pty.line("help text");
    pty.next_prompt();
    sent(
        &mut pty,
        &server,
        "byte hex:de ad",
        Frame::Binary(vec![0xde, 0xad]),
    );
    pty.wait_screen("|..|");
    pty.line("save s.rhai");
    pty.expect("Saved the session to s.rhai");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    std::fs::read_to_string(home.join("s.rhai")).expect("the saved script")
}

#[test]
fn save_writes_a_script_that_replays_the_session() {
    let home = home();
    let script = saved_session(home.path());
    let body: Vec<&str> = script.lines().filter(|l| !l.starts_with("//")).collect();
    assert_eq!(
        body,
        [
            "",
            r#"text("hello \"world\"");"#,
            r#"expect("hello \"world\"");"#,
            "let n = 6 * 7;",
            "for i in 0..2 {",
            "    text(`item ${i}`)",
            "}",
            r#"expect("item 0");"#,
            r#"expect("item 1");"#,
            r#"text("n=" + n); let reply = recv();"#,
            r#"byte(from_hex("de ad"));"#,
            "recv(); // a binary message",
        ],
        "{script}"
    );
    assert!(
        script.contains("// Run it with: ws run s.rhai ws://127.0.0.1:"),
        "{script}"
    );

    let again = TestServer::echo();
    let output = ws_cmd(home.path())
        .args(["run", "s.rhai", &again.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let texts = ["hello \"world\"", "item 0", "item 1", "n=42"];
    let frames: Vec<Frame> = again
        .frames()
        .into_iter()
        .filter(|f| matches!(f, Frame::Text(_) | Frame::Binary(_)))
        .collect();
    let mut expected: Vec<Frame> = texts.iter().map(|t| Frame::Text(t.to_string())).collect();
    expected.push(Frame::Binary(vec![0xde, 0xad]));
    assert_eq!(frames, expected);
}

#[test]
fn a_saved_script_fails_on_a_server_that_answers_differently() {
    let home = home();
    saved_session(home.path());
    // Answers every message in capitals.
    let address = spawn_server(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        while let Some(Ok(message)) = ws.next().await {
            let answer = match message {
                Message::Text(text) => Message::text(text.to_uppercase()),
                Message::Binary(bytes) => Message::binary(bytes),
                _ => continue,
            };
            if ws.send(answer).await.is_err() {
                return;
            }
        }
    });
    let output = ws_cmd(home.path())
        .args(["run", "s.rhai", &format!("ws://{address}/")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("s.rhai:6:"),
        "the line of the expect: {stderr}"
    );
    assert!(
        stderr.contains(r#"expect: wanted a message containing "hello \"world\"""#),
        "{stderr}"
    );
    assert!(stderr.contains("HELLO"), "{stderr}");
}

#[test]
fn save_is_a_rhai_function_too_and_refuses_a_bad_path() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    sent(&mut pty, &server, "text one", Frame::Text("one".into()));
    pty.wait_screen("< text");
    pty.line("save(\"fn.rhai\")");
    pty.expect("Saved the session to fn.rhai");
    pty.next_prompt();
    pty.line("save no/such/dir/x.rhai");
    pty.expect("cannot write no/such/dir/x.rhai: no such file or directory");
    pty.next_prompt();
    pty.line("save");
    pty.expect("save needs a file");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let script = std::fs::read_to_string(home.path().join("fn.rhai")).unwrap();
    assert!(
        script.contains("text(\"one\");\nexpect(\"one\");\n"),
        "{script}"
    );
}

#[test]
fn history_keeps_a_multi_line_block_as_one_entry() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("for i in 0..2 {");
    pty.send("    text(`again ${i}`)\r");
    pty.send("}\r");
    server.wait_for("the block", |f| *f == Frame::Text("again 1".into()));
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);

    // A new session recalls the block whole with the up arrow and runs it.
    let server = TestServer::echo();
    let mut pty = session(&server, home.path());
    pty.send("\x1b[A\x1b[A");
    pty.wait_screen("    text(`again ${i}`)");
    pty.send("\r");
    server.wait_for("the block again", |f| *f == Frame::Text("again 1".into()));
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let texts = server.texts();
    assert_eq!(texts, ["again 0", "again 1"]);
}
