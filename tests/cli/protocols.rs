//! `--protocol`: the client core speaks an application protocol. Servers
//! here play a protocol's frames as real servers send them (the checks
//! against the real servers are in scripts/protocols.sh); these tests hold
//! what the core does with them and every error a user can meet.

use std::process::Output;

use crate::support::server::{Action, Frame, TestServer};
use crate::support::{errors, home, with_stdin, ws_cmd};

fn ws(args: &[&str], env: &[(&str, &str)]) -> Output {
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    with_stdin(command, b"")
}

/// `ws run FILE URL ARGS…` with `env`.
fn run(file: &tempfile::NamedTempFile, url: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let file = file.path().to_str().unwrap();
    let all: Vec<&str> = ["run", file, url]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    ws(&all, env)
}

fn script(text: &str) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".rhai").tempfile().unwrap();
    std::fs::write(file.path(), text).unwrap();
    file
}

fn out(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// An Engine.IO server's opening, as socket.io 4 sends it.
const OPEN: &str =
    r#"0{"sid":"s1","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

#[test]
fn socketio_opens_its_namespace_answers_pings_and_decodes_events() {
    let server = TestServer::scripted(vec![
        Action::text(OPEN),
        Action::text(r#"40{"sid":"n1"}"#),
        Action::text("2"),
        Action::text(r#"42["said",{"from":"ada"}]"#),
        Action::text(r#"431[3]"#),
    ]);
    let file = script(
        r#"
        let said = recv_event("said", 5);
        print(`from ${said.from}`);
        emit("chat", #{text: "hi"});
        "#,
    );
    let output = run(
        &file,
        &server.url(),
        &[
            "--protocol",
            "socketio",
            "--protocol-init",
            r#"{"token":"abc"}"#,
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", errors(&output.stderr));
    assert!(out(&output).contains("from ada"), "{}", out(&output));
    // The namespace opened with the auth, the ping answered, the event
    // sent, the namespace left before the close: in that order.
    server.wait_for("the close", |f| matches!(f, Frame::Close(..)));
    let texts = server.texts();
    let emitted = r#"42["chat",{"text":"hi"}]"#;
    assert_eq!(
        texts,
        vec![r#"40{"token":"abc"}"#, "3", emitted, "41"],
        "{texts:?}"
    );
}

#[test]
fn socketio_handshake_path_carries_the_engine_io_query() {
    let server = TestServer::scripted(vec![
        Action::text(OPEN),
        Action::text(r#"40/chat,{"sid":"n1"}"#),
    ]);
    let file = script("");
    let output = run(
        &file,
        &format!("{}chat?room=1", server.url()),
        &["--protocol", "socketio"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", errors(&output.stderr));
    // The URL's path is the namespace; the request goes to Engine.IO's.
    server.wait_for(
        "the namespace",
        |f| matches!(f, Frame::Text(t) if t == "40/chat,"),
    );
}

#[test]
fn a_refused_namespace_ends_with_the_servers_words() {
    let server = TestServer::scripted(vec![
        Action::text(OPEN),
        Action::text(r#"44{"message":"Invalid namespace"}"#),
    ]);
    let file = script(r#"print("never")"#);
    let output = run(&file, &server.url(), &["--protocol", "socketio"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let errors = errors(&output.stderr);
    assert!(
        errors.contains("refused the Socket.IO namespace / : Invalid namespace")
            || errors.contains("refused the Socket.IO namespace /: Invalid namespace"),
        "{errors}"
    );
    assert!(!out(&output).contains("never"));
}

#[test]
fn a_server_that_never_finishes_the_opening_exchange_times_out() {
    let server = TestServer::scripted(vec![Action::text(OPEN)]);
    let file = script(r#"print("never")"#);
    let output = run(
        &file,
        &server.url(),
        &["--protocol", "socketio", "--connect-timeout", "0.3"],
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        errors(&output.stderr),
        "ws: error: the socketio opening exchange did not finish within 0.3 s; check --protocol, or raise connect_timeout\n"
    );
}

#[test]
fn a_jsonrpc_reply_is_matched_by_id_and_what_it_passes_stays_in_order() {
    // The reply comes after two notifications; rpc takes it, recv the rest.
    let server = TestServer::scripted(vec![
        Action::text(r#"{"jsonrpc":"2.0","method":"tick","params":{"n":1}}"#),
        Action::text(r#"{"jsonrpc":"2.0","id":1,"result":3}"#),
        Action::text(r#"{"jsonrpc":"2.0","method":"tick","params":{"n":2}}"#),
        Action::text(
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"no","data":{"why":"test"}}}"#,
        ),
    ]);
    let file = script(
        r#"
        print(`sum ${rpc("sum", [1, 2], 5)}`);
        print(`first ${recv(5).params.n}`);
        print(`second ${recv(5).params.n}`);
        rpc("fail", (), 5);
        "#,
    );
    let output = run(&file, &server.url(), &["--protocol", "jsonrpc"], &[]);
    let shown = out(&output);
    assert!(
        shown.contains("sum 3\n") && shown.contains("first 1\n"),
        "{shown}"
    );
    assert!(shown.contains("second 2\n"), "{shown}");
    assert_eq!(output.status.code(), Some(1));
    let errors = errors(&output.stderr);
    assert!(
        errors.contains(r#"rpc fail: the server answered with error -32001: no ({"why":"test"})"#),
        "{errors}"
    );
    server.wait_for("the call", |f| {
        matches!(f, Frame::Text(t) if t == r#"{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}"#)
    });
}

#[test]
fn a_wait_fails_with_a_sentence_when_other_messages_fill_the_queue() {
    let notification = r#"{"jsonrpc":"2.0","method":"tick","params":{"pad":"................................................................"}}"#;
    let server = TestServer::scripted(vec![Action::Repeat(
        tokio_tungstenite::tungstenite::Message::text(notification),
        200,
    )]);
    let file = script(r#"sleep(0.5); rpc("sum", [1, 2], 5);"#);
    let output = run(
        &file,
        &server.url(),
        &["--protocol", "jsonrpc"],
        &[("WS_MESSAGE_QUEUE_BYTES", "4K")],
    );
    assert_eq!(output.status.code(), Some(1));
    let errors = errors(&output.stderr);
    assert!(
        errors.contains("rpc: the receive queue filled with other messages (message_queue_bytes 4.0 KiB) before the reply to sum (id 1) arrived; take them with recv as you go, or raise message_queue_bytes"),
        "{errors}"
    );
}

#[test]
fn a_frame_the_protocol_does_not_allow_is_shown_and_kept() {
    let server = TestServer::scripted(vec![Action::text("not json")]);
    let output = ws(
        &["listen", &server.url(), "--protocol", "jsonrpc", "-n", "1"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", errors(&output.stderr));
    let shown = out(&output);
    assert!(
        shown.starts_with("< text ") && shown.ends_with(" not json\n"),
        "{shown}"
    );
    let errors = errors(&output.stderr);
    assert!(
        errors.contains("The server sent a frame its protocol does not allow:"),
        "{errors}"
    );
}

#[test]
fn decoded_messages_go_to_jsonl_and_raw_frames_to_verbose() {
    let server = TestServer::scripted(vec![
        Action::text(OPEN),
        Action::text("40"),
        Action::text(r#"42["said","hi"]"#),
    ]);
    let output = ws(
        &[
            "listen",
            &server.url(),
            "--protocol",
            "socketio",
            "--jsonl",
            "-n",
            "1",
            "-v",
        ],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", errors(&output.stderr));
    let line: serde_json::Value = serde_json::from_str(out(&output).trim()).unwrap();
    assert_eq!(line["kind"], "event");
    assert_eq!(
        line["data"],
        serde_json::json!({"event": "said", "data": "hi"})
    );
    let errors = errors(&output.stderr);
    assert!(errors.contains(r#"42["said","hi"]"#), "{errors}");
    assert!(
        errors.contains("> frame") && errors.contains(" 40\n"),
        "{errors}"
    );
    // In the order they went: the server's open, our answer, its event.
    let at = |needle: &str| errors.find(needle).unwrap_or(usize::MAX);
    assert!(at("< frame") < at("> frame"), "{errors}");
    assert!(at("> frame") < at(r#"42["said""#), "{errors}");
}

#[test]
fn a_protocol_function_on_another_connection_says_how_to_speak_it() {
    let server = TestServer::echo();
    let file = script(r#"emit("chat", "hi")"#);
    let output = run(&file, &server.url(), &[], &[]);
    assert_eq!(output.status.code(), Some(1));
    let errors = errors(&output.stderr);
    assert!(
        errors.contains(r#"emit works on a socketio connection, and this one speaks no protocol; connect with --protocol socketio, or connect(url, #{protocol: "socketio"})"#),
        "{errors}"
    );
    server.allow_unused();
}

#[test]
fn unknown_protocols_and_bad_init_are_refused_and_init_is_never_shown() {
    let output = ws(&["config", "--protocol", "mqtt"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        errors(&output.stderr).contains("use one of socketio, graphql, stomp, jsonrpc, or none"),
        "{}",
        errors(&output.stderr)
    );
    let output = ws(
        &["config", "--protocol-init", "{\"passcode\": \"s3cret\""],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = errors(&output.stderr);
    assert!(errors.contains("protocol_init = (hidden)"), "{errors}");
    assert!(!errors.contains("s3cret"), "{errors}");
    let output = ws(
        &["config"],
        &[
            ("WS_PROTOCOL", "stomp"),
            ("WS_PROTOCOL_INIT", r#"{"passcode":"s3cret"}"#),
        ],
    );
    let shown = out(&output);
    assert!(shown.contains("protocol = \"stomp\""), "{shown}");
    assert!(
        shown.contains("protocol_init") && !shown.contains("s3cret"),
        "{shown}"
    );
}

#[test]
fn stomp_credentials_that_are_not_headers_are_refused() {
    let server = TestServer::echo();
    let file = script("");
    let output = run(
        &file,
        &server.url(),
        &["--protocol", "stomp", "--protocol-init", "[1, 2]"],
        &[],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        errors(&output.stderr).contains("--protocol-init for stomp must be a JSON object"),
        "{}",
        errors(&output.stderr)
    );
    server.assert_unused();
}
