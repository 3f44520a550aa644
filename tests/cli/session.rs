//! `ws session` in a pseudo-terminal: what the user sees and what the
//! server receives.

use crate::support::pty::Pty;
use crate::support::server::{Frame, TestServer};
use crate::support::{home, ws_cmd};

/// A session on `server`, past its welcome and first prompt.
fn session(server: &TestServer, home: &std::path::Path) -> Pty {
    let mut command = ws_cmd(home);
    command.args(["session", &server.url()]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session! 🌟");
    pty.next_prompt();
    server.wait_connected();
    pty
}

/// Sends a marker and waits for it, so every frame sent before it has
/// arrived; returns what arrived before the marker.
fn frames_before_marker(pty: &mut Pty, server: &TestServer) -> Vec<Frame> {
    pty.line("text end-marker");
    server.wait_for("the marker", |f| *f == Frame::Text("end-marker".into()));
    server
        .frames()
        .into_iter()
        .take_while(|f| *f != Frame::Text("end-marker".into()))
        .filter(|f| *f != Frame::Connected)
        .collect()
}

#[test]
fn welcome_help_and_help_for_one_command() {
    let (server, home) = (TestServer::echo(), home());
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url()]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session! 🌟");
    pty.expect(&format!("Connected to {}", server.url()));
    pty.expect("help <command>");
    pty.expect("<> marks an optional argument");
    pty.expect("Ctrl+D or quit ends the session");
    pty.expect("Rhai code");
    pty.line("help");
    pty.expect("Commands (<> marks an optional argument");
    for name in [
        "text", "byte", "ping", "pong", "close", "quit", "recv", "expect",
    ] {
        pty.expect(name);
    }
    pty.line("help close");
    pty.expect("close <code> <reason>");
    pty.expect("close 1003 'received unknown data'");
    pty.expect("3000-4999");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn text_is_sent_verbatim_and_its_echo_shown() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("text hello world");
    pty.expect("Sent 11 B of data over the wire.");
    // The echo may come back before the confirmation is printed.
    pty.wait_screen("< text");
    pty.wait_screen("hello world\n");
    pty.line("text 'quoted words'");
    pty.expect("Sent 12 B");
    pty.line(r#"text {"id": 1}"#);
    pty.expect("Sent 9 B");
    server.wait_for("the JSON", |f| *f == Frame::Text(r#"{"id": 1}"#.into()));
    assert_eq!(
        server.texts(),
        ["hello world", "quoted words", r#"{"id": 1}"#]
    );
}

#[test]
fn byte_sends_binary_and_binary_is_shown_as_hex() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("byte hello");
    pty.expect("Sent 5 B of data over the wire.");
    pty.wait_screen("< binary");
    pty.wait_screen("00000000  68 65 6c 6c 6f");
    pty.wait_screen("|hello|");
    server.wait_for("the binary", |f| *f == Frame::Binary(b"hello".to_vec()));
}

#[test]
fn ping_shows_the_url_and_the_round_trip() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("ping hello");
    pty.expect(&format!("PING {} with 5 bytes of data", server.url()));
    pty.expect("Took ");
    pty.expect(" ms to receive a PONG.");
    server.wait_for("the ping", |f| *f == Frame::Ping(b"hello".to_vec()));
    pty.line("pong");
    pty.expect("to send the PONG.");
    server.wait_for("the pong", |f| *f == Frame::Pong(Vec::new()));
}

#[test]
fn every_refusal_explains_itself_and_sends_nothing() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    let long = "x".repeat(126);
    pty.line(&format!("ping {long}"));
    pty.expect("126 bytes long; a ping or pong can carry at most 125 bytes");
    pty.line(&format!("pong {long}"));
    pty.expect("at most 125 bytes");
    pty.line("close 1005");
    pty.expect("1005 is not a close code that may be sent; use 1000-1003, 1007-1014 or 3000-4999");
    pty.line("close abc");
    pty.expect("abc is not a close code");
    pty.line(&format!("close 1000 {}", "r".repeat(124)));
    pty.expect("124 bytes long; it can be at most 123 bytes");
    pty.line("text file@/no/such/file");
    pty.expect("cannot read /no/such/file: no such file or directory");
    pty.line("text");
    pty.expect("text needs a message");
    pty.line("byte");
    pty.expect("byte needs a message");
    pty.line("ping a b");
    pty.expect("Unknown argument: b");
    pty.line("close 1000 bye extra");
    pty.expect("Unknown argument: extra");
    pty.line("quit now");
    pty.expect("Unknown argument: now");
    pty.line("foo bar");
    pty.expect(
        "Unknown command foo, available commands are: help, text, byte, ping, pong, close, quit, save, emit, rpc.",
    );
    pty.line("txt hi");
    pty.expect("Did you mean text?");
    assert_eq!(frames_before_marker(&mut pty, &server), []);
}

#[test]
fn file_contents_are_sent_exactly() {
    let (server, home) = (TestServer::echo(), home());
    std::fs::write(home.path().join("msg.json"), "{\"a\": [1, 2]}\n").unwrap();
    std::fs::write(home.path().join("raw.bin"), [0u8, 1, 2, 255]).unwrap();
    let mut pty = session(&server, home.path());
    pty.line("text file@msg.json");
    pty.expect("Sent 14 B");
    pty.line("byte file@raw.bin");
    pty.expect("Sent 4 B");
    server.wait_for("the file", |f| *f == Frame::Binary(vec![0, 1, 2, 255]));
    assert_eq!(server.texts(), ["{\"a\": [1, 2]}\n"]);
}

#[test]
fn rhai_variables_functions_and_loops_live_across_lines() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("let x = 40");
    pty.next_prompt();
    pty.line("x + 2");
    pty.expect("42");
    pty.next_prompt();
    pty.line("fn twice(s) { s + s }");
    pty.next_prompt();
    pty.line("for i in 0..3 { text(twice(\"n\" + i)) }");
    pty.expect("Sent 4 B");
    for text in ["n0n0", "n1n1", "n2n2"] {
        server.wait_for(text, |f| *f == Frame::Text(text.into()));
    }
    assert_eq!(server.texts(), ["n0n0", "n1n1", "n2n2"]);
}

#[test]
fn a_send_and_recv_on_one_line_lose_nothing() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("text(\"x\"); print(\"got \" + recv())");
    // In this order: the confirmation is printed before the message goes.
    pty.expect("Sent 1 B of data over the wire.");
    pty.expect("< text");
    pty.expect("got x");
}

#[test]
fn a_failed_expect_and_a_recv_timeout_say_what_happened() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("text(\"nope\"); expect(\"ok\")");
    pty.expect("expect: wanted a message containing \"ok\", got \"nope\"");
    pty.line("recv(0.2)");
    pty.expect("recv: no message arrived within 0.2 s");
    pty.line("text still-connected");
    server.wait_for("the next message", |f| {
        *f == Frame::Text("still-connected".into())
    });
}

#[test]
fn ctrl_c_stops_running_code_and_keeps_the_connection() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("print(\"looping\"); loop { sleep(0.1) }");
    pty.expect("\nlooping");
    pty.ctrl_c();
    pty.expect("Interrupted.");
    pty.next_prompt();
    pty.line("print(\"waiting\"); recv(30)");
    pty.expect("\nwaiting");
    pty.ctrl_c();
    pty.expect("Interrupted.");
    pty.next_prompt();
    pty.line("text after");
    pty.expect("Sent 5 B");
    server.wait_for("a message after Ctrl+C", |f| {
        *f == Frame::Text("after".into())
    });
    pty.wait_screen("< text");
    pty.at_prompt("half a line");
    pty.expect("half a line");
    pty.ctrl_c();
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    assert_eq!(server.texts(), ["after"]);
}

#[test]
fn quit_closes_with_1000() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("quit");
    pty.expect("Bye! 👋");
    assert_eq!(server.wait_close(), (1000, String::new()));
    assert_eq!(pty.code(), 0);
}

#[test]
fn ctrl_d_closes_with_1000() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.ctrl_d();
    pty.expect("Bye! 👋");
    assert_eq!(server.wait_close(), (1000, String::new()));
    assert_eq!(pty.code(), 0);
}

#[test]
fn close_with_a_code_and_a_quoted_reason() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("close 1003 'received unknown data'");
    pty.expect("Bye! 👋");
    assert_eq!(
        server.wait_close(),
        (1003, "received unknown data".to_string())
    );
    assert_eq!(pty.code(), 0);
}

#[test]
fn messages_arriving_at_an_idle_prompt_are_shown() {
    let (server, home) = (TestServer::silent(), home());
    let mut pty = session(&server, home.path());
    server.send_text("tick from the server");
    pty.expect("< text");
    pty.expect("tick from the server");
    pty.at_prompt("text typed meanwhile");
    server.send_text("second tick");
    pty.expect("second tick");
    pty.send("\r");
    server.wait_for("the typed line", |f| {
        *f == Frame::Text("typed meanwhile".into())
    });
}

#[test]
fn a_server_close_with_1011_ends_the_session_with_status_1() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    server.close(1011, "boom");
    pty.expect("Connection closed by the server with code 1011 (internal error): boom");
    assert_eq!(pty.code(), 1);
}

#[test]
fn a_server_close_with_1000_ends_the_session_with_status_0() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    server.close(1000, "done");
    pty.expect("Connection closed by the server with code 1000 (normal closure): done");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_dropped_connection_ends_the_session_with_status_1() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    server.drop_connection();
    pty.expect("Connection lost");
    assert_eq!(pty.code(), 1);
}

#[test]
fn sigterm_closes_with_1001() {
    let (server, home) = (TestServer::echo(), home());
    let pty = session(&server, home.path());
    pty.signal(libc::SIGTERM);
    assert_eq!(server.wait_close(), (1001, String::new()));
    assert_eq!(pty.code(), 130);
}

#[test]
fn history_is_kept_across_sessions() {
    let (server, home) = (TestServer::echo(), home());
    let mut pty = session(&server, home.path());
    pty.line("text remembered");
    pty.expect("Sent");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let server = TestServer::echo();
    let mut pty = session(&server, home.path());
    pty.at_prompt("\x1b[A");
    pty.expect("quit");
    pty.send("\x1b[A");
    pty.expect("text remembered");
    pty.send("\r");
    server.wait_for("the recalled line", |f| {
        *f == Frame::Text("remembered".into())
    });
}

#[test]
fn piped_input_runs_multi_line_code() {
    let (server, home) = (TestServer::echo(), home());
    let output = ws_cmd(home.path())
        .args(["session", &server.url()])
        .stdin_file("for i in 0..2 {\n  text(\"p\" + i)\n}\nprint(\"done\")\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("done"), "{stdout}");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(server.texts(), ["p0", "p1"]);
}

trait StdinFile {
    fn stdin_file(&mut self, text: &str) -> &mut Self;
}

impl StdinFile for std::process::Command {
    fn stdin_file(&mut self, text: &str) -> &mut Self {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        self.stdin(std::fs::File::open(file.path()).unwrap())
    }
}

#[test]
fn without_a_url_the_session_runs_its_own_echo_server() {
    let home = home();
    let mut command = ws_cmd(home.path());
    command.arg("session");
    let mut pty = Pty::spawn(command);
    pty.expect("No URL given: started an echo server on ws://127.0.0.1:");
    pty.expect("Welcome to the interactive websocket session! 🌟");
    pty.line("text hi");
    pty.expect("Sent 2 B");
    pty.wait_screen("< text");
    pty.line("for i in 0..3 { text(\"n\" + i) }");
    pty.wait_screen("n2\n");
    pty.line("quit");
    pty.expect("Bye! 👋");
    assert_eq!(pty.code(), 0);
}

#[test]
fn what_a_line_prints_survives_a_flood_the_paused_terminal_drops() {
    use crate::support::server::Action;
    use tokio_tungstenite::tungstenite::Message;
    let (server, home) = (TestServer::silent(), home());
    let mut pty = session(&server, home.path());
    // Ctrl+S, then the line: 5,000 messages are shown to a terminal that
    // takes nothing, more than may wait for it (within message_queue_size).
    pty.pause();
    pty.line(
        "text(\"ready\"); let n = 0; for i in 0..5000 { recv(); n += 1 } \
         let tail = \"\"; tail.pad(300, 'y'); print(`received ${n} ${tail}`); text(\"done\")",
    );
    server.wait_for("the line's start", |f| *f == Frame::Text("ready".into()));
    server.order(Action::Repeat(Message::text("x"), 5_000));
    server.wait_for("the line's end", |f| *f == Frame::Text("done".into()));
    pty.resume();
    // A result longer than any of the messages, so it could not slip into
    // the room one of them left.
    pty.expect("received 5000 yyy");
    pty.expect("The terminal did not keep up: ");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_flood_while_the_terminal_is_paused_is_read_and_counted() {
    use crate::support::server::Action;
    use tokio_tungstenite::tungstenite::Message;
    let (server, home) = (TestServer::silent(), home());
    let mut pty = session(&server, home.path());
    // Ctrl+S: the terminal takes nothing while 150 MB of messages arrive.
    pty.pause();
    server.order(Action::Repeat(Message::text("x".repeat(1000)), 150_000));
    // The pong to this ping is sent once everything before it is read,
    // whether or not the terminal takes any of it.
    server.order(Action::Send(Message::Ping(b"flood read".to_vec().into())));
    server.wait_for("the pong", |f| *f == Frame::Pong(b"flood read".to_vec()));
    pty.resume();
    pty.expect("The terminal did not keep up: ");
    pty.expect("line(s) were not shown.");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}
