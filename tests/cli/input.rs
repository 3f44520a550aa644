//! The session's input in a pseudo-terminal: pasted lines (with and
//! without bracketed-paste markers) and lines typed while code runs all
//! run, in order, as if typed one by one.

use crate::support::pty::Pty;
use crate::support::server::{Frame, TestServer};
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
