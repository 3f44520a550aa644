//! Values as users mean them: maps and arrays sent as JSON, bytes typed in
//! hex or base64, type errors with a hint, JSON shown in the wire's key
//! order, timeouts that name their wait, and `-` for a script on stdin.

use crate::support::server::{Action, Frame, TestServer};
use crate::support::ws_with_stdin as with_stdin;
use crate::support::{home, ws_cmd};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn send_of_a_map_or_an_array_is_json_text() {
    let (server, home) = (TestServer::echo(), home());
    let script = "send(#{op: \"sub\", ids: [1, 2], ok: true}); send([1, \"x\", ()]);";
    let out = with_stdin(home.path(), &["run", "-", &server.url()], script);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let texts = server.texts();
    let first: serde_json::Value = serde_json::from_str(&texts[0]).expect("JSON text");
    assert_eq!(
        first,
        serde_json::json!({"op": "sub", "ids": [1, 2], "ok": true})
    );
    assert_eq!(texts[1], r#"[1,"x",null]"#);
}

#[test]
fn typed_bytes_in_hex_and_base64_reach_the_server() {
    let (server, home) = (TestServer::echo(), home());
    let out = with_stdin(
        home.path(),
        &["session", &server.url()],
        "byte hex:de ad be ef\nbyte base64:3q2+7w==\nbyte 0xdeadbeef\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    server.wait_close();
    let binaries: Vec<Vec<u8>> = server
        .frames()
        .into_iter()
        .filter_map(|f| match f {
            Frame::Binary(b) => Some(b),
            _ => None,
        })
        .collect();
    let beef = vec![0xde, 0xad, 0xbe, 0xef];
    assert_eq!(binaries, [beef.clone(), beef, b"0xdeadbeef".to_vec()]);
}

#[test]
fn bad_hex_is_refused_and_nothing_is_sent() {
    let (server, home) = (TestServer::echo(), home());
    let out = with_stdin(
        home.path(),
        &["session", &server.url()],
        "byte hex:abc\ntext after\n",
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("byte hex: 3 hex digits is an odd number"),
        "{stderr}"
    );
    assert_eq!(server.texts(), ["after"]);
    assert!(
        !server
            .frames()
            .iter()
            .any(|f| matches!(f, Frame::Binary(_)))
    );
}

#[test]
fn hex_and_base64_functions_in_rhai() {
    let (server, home) = (TestServer::echo(), home());
    let script = r#"
        byte(from_hex("00 ff"));
        print(to_hex(from_base64("3q2+7w==")));
        print(to_base64(from_hex("deadbeef")));
        let echoed = recv();
        print(to_hex(echoed));
    "#;
    let out = with_stdin(home.path(), &["run", "-", &server.url(), "-q"], script);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "deadbeef\n3q2+7w==\n00ff\n");
    assert!(server.frames().contains(&Frame::Binary(vec![0x00, 0xff])));
}

#[test]
fn byte_of_a_number_is_a_type_error_with_a_hint() {
    let (server, home) = (TestServer::echo(), home());
    let out = with_stdin(home.path(), &["run", "-", &server.url()], "byte(5);");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("byte expects a string or a blob, got an integer"),
        "{stderr}"
    );
    assert!(stderr.contains("byte(from_hex(\"05\"))"), "{stderr}");
    assert!(
        !server
            .frames()
            .iter()
            .any(|f| matches!(f, Frame::Binary(_)))
    );
}

#[test]
fn json_display_keeps_the_wire_key_order() {
    let server = TestServer::scripted(vec![
        Action::text(r#"{"zebra": 1, "apple": {"y": 2, "b": 3}}"#),
        Action::close(1000, ""),
    ]);
    let home = home();
    let out = ws_cmd(home.path())
        .args(["listen", &server.url(), "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let order: Vec<usize> = ["\"zebra\"", "\"apple\"", "\"y\"", "\"b\""]
        .iter()
        .map(|key| {
            stdout
                .find(key)
                .unwrap_or_else(|| panic!("{key} in {stdout}"))
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{stdout}");
}

#[test]
fn a_timeout_names_the_wait_that_expired() {
    let (server, home) = (TestServer::silent(), home());
    let out = with_stdin(home.path(), &["run", "-", &server.url()], "recv(0.2)");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("recv: no message arrived within 0.2 s (the limit given to recv)"),
        "{stderr}"
    );
    assert!(!stderr.contains("not kept"), "{stderr}");
    let out = with_stdin(home.path(), &["run", "-", &server.url()], "expect(\"x\")");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("(the response_timeout setting)"),
        "{stderr}"
    );
}

#[test]
fn in_a_session_a_timeout_says_shown_messages_are_not_kept() {
    let (server, home) = (TestServer::silent(), home());
    let out = with_stdin(home.path(), &["session", &server.url()], "recv(0.2)\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("within 0.2 s (the limit given to recv)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Messages shown while the prompt waits are not kept for recv"),
        "{stderr}"
    );
    assert!(stderr.contains("text(\"hi\"); recv()"), "{stderr}");
}

#[test]
fn run_reads_the_script_from_stdin_with_a_dash() {
    let (server, home) = (TestServer::echo(), home());
    let out = with_stdin(
        home.path(),
        &["run", "-", &server.url(), "--", "from-args"],
        "text(ARGS[0]);",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.texts(), ["from-args"]);
}
