//! `ws run`: scripts through the real binary against a recording server.

use std::path::Path;
use std::process::Output;

use crate::support::pty::Pty;
use crate::support::server::{Action, Frame, TestServer};
use crate::support::{home, ws_cmd};

/// Writes `script` to a file and runs `ws run FILE ARGS…`.
fn run(home: &Path, script: &str, args: &[&str]) -> Output {
    let path = home.join("script.rhai");
    std::fs::write(&path, script).unwrap();
    ws_cmd(home)
        .arg("run")
        .arg(&path)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_script_sends_receives_and_prints() {
    let (server, home) = (TestServer::echo(), home());
    let out = run(
        home.path(),
        "text(\"hello\");\nlet reply = recv();\nprint(`reply: ${reply}`);\n",
        &[&server.url()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("reply: hello"), "{stdout}");
    assert!(
        stdout.contains("< text"),
        "received messages are shown: {stdout}"
    );
    assert_eq!(server.texts(), ["hello"]);
    assert_eq!(server.wait_close(), (1000, String::new()));
}

#[test]
fn quiet_hides_received_messages() {
    let (server, home) = (TestServer::echo(), home());
    let out = run(
        home.path(),
        "text(\"a\"); print(recv());",
        &[&server.url(), "-q"],
    );
    let stdout = text(&out.stdout);
    assert_eq!(stdout.trim(), "a", "{stdout}");
}

#[test]
fn a_failed_expect_names_its_line() {
    let (server, home) = (TestServer::echo(), home());
    let out = run(
        home.path(),
        "text(\"nope\");\nexpect(\"ok\", 2);\ntext(\"never\");\n",
        &[&server.url()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("script.rhai:2:"), "{stderr}");
    assert!(
        stderr.contains("wanted a message containing \"ok\", got \"nope\""),
        "{stderr}"
    );
    assert_eq!(server.texts(), ["nope"]);
}

#[test]
fn a_syntax_error_sends_nothing() {
    let (server, home) = (TestServer::echo(), home());
    let out = run(
        home.path(),
        "text(\"first\");\nlet x = ;\n",
        &[&server.url()],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("script.rhai:2:9: syntax error"), "{stderr}");
    assert!(
        server.frames().is_empty(),
        "nothing may reach the server: {:?}",
        server.frames()
    );
    // The server was never even connected to.
    server.assert_unused();
}

#[test]
fn exit_sets_the_status_and_args_reach_the_script() {
    let home = home();
    let out = run(
        home.path(),
        "print(ARGS.len()); print(ARGS[1]); exit(7);",
        &["--", "one", "two words"],
    );
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(text(&out.stdout), "2\ntwo words\n");
}

#[test]
fn two_handles_at_once_with_a_blob_and_json() {
    let (first, second, home) = (TestServer::echo(), TestServer::echo(), home());
    let script = format!(
        r#"
        let a = connect("{}");
        let b = connect("{}", #{{ headers: #{{"X-Test": "1"}}, max_message_size: 1000 }});
        a.byte(blob(3, 0xab));
        b.text(to_json(#{{ id: 7, tags: ["x"] }}));
        let bytes = a.recv();
        let json = parse_json(b.recv());
        print(`${{type_of(bytes)}} ${{bytes.len()}} ${{json.id}} ${{json.tags[0]}}`);
        a.close(4001, "done");
        "#,
        first.url(),
        second.url()
    );
    let out = run(home.path(), &script, &["-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "blob 3 7 x");
    assert_eq!(first.wait_close(), (4001, "done".to_string()));
    first.wait_for("the blob", |f| *f == Frame::Binary(vec![0xab; 3]));
    assert_eq!(second.texts(), [r#"{"id":7,"tags":["x"]}"#]);
    assert_eq!(second.wait_close().0, 1000);
}

#[test]
fn recv_returns_unit_after_the_server_closes() {
    let (server, home) = (TestServer::silent(), home());
    let script = r#"
        text("close me");
        while !closed() { sleep(0.01) }
        let m = recv();
        print(`${type_of(m)} ${close_code()} ${close_reason()}`);
    "#;
    let path = home.path().join("script.rhai");
    std::fs::write(&path, script).unwrap();
    let mut child = ws_cmd(home.path())
        .arg("run")
        .arg(&path)
        .arg(server.url())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    server.wait_for("the request", |f| *f == Frame::Text("close me".into()));
    server.close(4002, "bye");
    let out = {
        let status = child.wait().unwrap();
        let mut stdout = String::new();
        std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
        (status, stdout)
    };
    assert_eq!(out.0.code(), Some(0));
    assert!(out.1.contains("() 4002 bye"), "{}", out.1);
}

#[test]
fn a_close_the_server_takes_without_answering_ends_as_ours() {
    let (server, home) = (TestServer::unanswering(), home());
    let script = "text(\"last\");\nclose(4000, \"done\");\nprint(`${closed()} ${close_code()} ${close_reason()}`);\n";
    let out = run(home.path(), script, &[&server.url(), "-q"]);
    assert_eq!(text(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "true 4000 done\n");
    server.wait_gone();
    assert!(server.frames().contains(&Frame::Close(4000, "done".into())));
}

#[test]
fn max_operations_stops_a_runaway_loop() {
    let home = home();
    let out = run(
        home.path(),
        "let n = 0;\nloop { n += 1 }\n",
        &["--max-operations", "10000"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("limit of operations"), "{stderr}");
}

#[test]
fn sigint_closes_every_connection_with_1001_and_exits_130() {
    let (server, home) = (TestServer::echo(), home());
    let path = home.path().join("script.rhai");
    std::fs::write(&path, "print(\"running\");\nloop { sleep(0.1) }\n").unwrap();
    let mut command = ws_cmd(home.path());
    command.arg("run").arg(&path).arg(server.url());
    let mut pty = Pty::spawn(command);
    pty.expect("running");
    pty.signal(libc::SIGINT);
    assert_eq!(server.wait_close(), (1001, String::new()));
    assert_eq!(pty.code(), 130);
}

#[test]
fn session_script_runs_first_and_its_definitions_stay() {
    let (server, home) = (TestServer::echo(), home());
    std::fs::write(
        home.path().join("setup.rhai"),
        "let greeting = \"hi\";\nfn shout(s) { s.to_upper() }\n",
    )
    .unwrap();
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url(), "--script", "setup.rhai"]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome");
    pty.line("text(shout(greeting))");
    server.wait_for("the shout", |f| *f == Frame::Text("HI".into()));
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

#[test]
fn a_missing_script_is_a_clear_error() {
    let home = home();
    let out = ws_cmd(home.path())
        .args(["run", "nope.rhai"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "ws: error: cannot read nope.rhai: no such file or directory\n"
    );
}

fn script(name: &str) -> String {
    format!("{}/scripts/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_latency_probe_reports_its_statistics() {
    let (server, home) = (TestServer::echo(), home());
    let out = ws_cmd(home.path())
        .args([
            "run",
            &script("latency.rhai"),
            &server.url(),
            "-q",
            "--",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("5/5 pongs from"), "{stdout}");
    assert!(
        stdout.contains("rtt min ") && stdout.contains(" p99 "),
        "{stdout}"
    );
    let pings = server
        .frames()
        .iter()
        .filter(|f| matches!(f, Frame::Ping(_)))
        .count();
    assert_eq!(pings, 5);
}

#[test]
fn the_request_reply_check_passes_and_fails() {
    let (server, home) = (TestServer::echo(), home());
    let request = r#"{"op":"get","id":7}"#;
    let ok = ws_cmd(home.path())
        .args([
            "run",
            &script("request-reply.rhai"),
            &server.url(),
            "-q",
            "--",
            request,
        ])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stdout));
    assert!(text(&ok.stdout).contains("ok: id = 7"));
    let bad = ws_cmd(home.path())
        .args([
            "run",
            &script("request-reply.rhai"),
            &server.url(),
            "-q",
            "--",
            request,
            "id",
            "8",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stdout).contains("mismatch: id is 7, expected 8"));
}

#[test]
fn a_full_queue_pauses_the_reads_and_keeps_every_message() {
    let home = home();
    let mut actions: Vec<Action> = (0..15).map(|i| Action::text(&format!("m{i}"))).collect();
    actions.push(Action::close(1000, ""));
    let server = TestServer::scripted(actions);
    // Ten fill the queue; the rest wait on the socket until some are taken.
    let script = "sleep(0.5);\n\
                  let got = [];\n\
                  loop { let m = recv(); if m == () { break } got.push(m) }\n\
                  print(`kept: ${got}`);\n";
    let out = ws_cmd(home.path())
        .env("WS_MESSAGE_QUEUE_SIZE", "10")
        .arg("run")
        .arg({
            let path = home.path().join("drain.rhai");
            std::fs::write(&path, script).unwrap();
            path
        })
        .arg(server.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let kept: Vec<String> = (0..15).map(|i| format!("\"m{i}\"")).collect();
    assert!(
        stdout.contains(&format!("kept: [{}]", kept.join(", "))),
        "{stdout}"
    );
}
