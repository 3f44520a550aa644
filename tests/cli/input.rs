//! The session's input in a pseudo-terminal: pasted lines (with and
//! without bracketed-paste markers) and lines typed while code runs all
//! run, in order, as if typed one by one.

use crate::support::pty::Pty;
use crate::support::server::{Action, Frame, TestServer};
use crate::support::{home, ws_cmd};

fn session(server: &TestServer, home: &std::path::Path) -> Pty {
    let mut command = ws_cmd(home);
    command.args(["session", &server.url()]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session! 🌟");
    server.wait_connected();
    pty
}

/// Waits until the server has the text message `last`; returns every text
/// message it has.
fn texts_until(server: &TestServer, last: &str) -> Vec<String> {
    server.wait_for(last, |f| *f == Frame::Text(last.into()));
    server.texts()
}

#[test]
fn a_pasted_block_of_three_lines_sends_three_messages_in_order() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.at_prompt("text a1\rtext a2\rtext a3\r");
    assert_eq!(texts_until(&server, "a3"), ["a1", "a2", "a3"]);
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_bracketed_paste_sends_each_line_as_typed() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.at_prompt("\x1b[200~text b1\rtext b2\rtext b3\r\x1b[201~");
    assert_eq!(texts_until(&server, "b3"), ["b1", "b2", "b3"]);
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn lines_typed_while_code_runs_all_run() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("text(\"start\"); sleep(1)");
    server.wait_for("the first message", |f| *f == Frame::Text("start".into()));
    // Typed while sleep(1) runs, before any new prompt is open.
    pty.send("text c1\rtext c2\rtext c3\r");
    assert_eq!(texts_until(&server, "c3"), ["start", "c1", "c2", "c3"]);
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_pasted_rhai_block_still_joins() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.at_prompt("for i in 0..2 {\r  text(\"m\" + i)\r}\rtext done\r");
    assert_eq!(texts_until(&server, "done"), ["m0", "m1", "done"]);
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_greeting_server_shows_the_banner_first() {
    let server = TestServer::scripted(vec![Action::text("hello from the server")]);
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url()]);
    let mut pty = Pty::spawn(command);
    // Each expect consumes the screen up to its match: the greeting must
    // come after the whole welcome.
    pty.expect("Welcome to the interactive websocket session! 🌟");
    pty.expect("ends the session");
    pty.expect("hello from the server");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_startup_script_gets_its_replies_and_the_greeting() {
    let server = TestServer::scripted(vec![Action::text("welcome")]);
    let home = home();
    let script = home.path().join("login.rhai");
    std::fs::write(
        &script,
        "let greeting = recv(5);\nprint(`greeting: ${greeting}`);\nfn hi() { \"hi\" }\n",
    )
    .unwrap();
    let mut command = ws_cmd(home.path());
    command
        .args(["session", &server.url(), "--script"])
        .arg(&script);
    let mut pty = Pty::spawn(command);
    pty.expect("greeting: welcome");
    pty.line("print(hi())");
    pty.expect("hi");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let (echo, home) = (TestServer::echo(), crate::support::home());
    let script = home.path().join("ping.rhai");
    std::fs::write(&script, "text(\"ping\");\nprint(`reply: ${recv(5)}`);\n").unwrap();
    let mut command = ws_cmd(home.path());
    command
        .args(["session", &echo.url(), "--script"])
        .arg(&script);
    let mut pty = Pty::spawn(command);
    pty.expect("reply: ping");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn exit_in_a_startup_script_ends_with_its_status_and_a_complete_transcript() {
    let (server, home) = (TestServer::echo(), home());
    let script = home.path().join("check.rhai");
    std::fs::write(&script, "text(\"x\");\nrecv(5);\nexit(3);\n").unwrap();
    let mut command = ws_cmd(home.path());
    command
        .args(["session", &server.url(), "-f", "out.svg", "--script"])
        .arg(&script);
    let pty = Pty::spawn(command);
    assert_eq!(pty.code(), 3);
    assert_eq!(server.wait_close(), (1000, String::new()));
    // The SVG writes spaces as non-breaking ones.
    let svg = std::fs::read_to_string(home.path().join("out.svg"))
        .unwrap()
        .replace('\u{a0}', " ");
    assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
    assert!(svg.contains("Welcome to the interactive websocket session!"));
    let names: Vec<String> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".spool")), "{names:?}");
}
