//! Hostile Rhai: a table of expressions with huge, negative, NaN
//! and infinite durations, wrong types for every session function, `exit`
//! codes and runaway data, through `ws run` and through the session. Each
//! ends with status 0, 1 or 2 and a one-sentence message: never a panic
//! (101), an abort or a Rust debug dump.

use std::process::Output;

use crate::support::pty::Pty;
use crate::support::server::TestServer;
use crate::support::ws_with_stdin as run_with_stdin;
use crate::support::{home, ws_cmd};

const DUMPS: [&str; 7] = [
    "panicked",
    "RUST_BACKTRACE",
    "Os {",
    "Error {",
    "memory allocation",
    "overflowed its stack",
    "Function not found",
];

/// Expressions a user (or a fuzzer) might throw at the functions.
const EXPRESSIONS: &[&str] = &[
    "recv(1e20)",
    "recv(-1)",
    "recv(0.0/0.0)",
    "recv(1.0/0.0)",
    "recv(\"soon\")",
    "expect(\"x\", 1e20)",
    "expect(1, 2)",
    "sleep(1e20)",
    "sleep(-1)",
    "sleep(0.0/0.0)",
    "sleep(\"1\")",
    "sleep(9223372036854775807)",
    "connect(url(), #{connect_timeout: 1e30})",
    "connect(url(), #{connect_timeout: -1})",
    "connect(url(), #{max_message_size: -1})",
    "connect(url(), #{headers: 5})",
    "connect(42)",
    "connect(\"http://x\")",
    "text(42)",
    "text()",
    "text(\"a\", \"b\")",
    "byte(3.5)",
    "byte(#{})",
    "ping(1)",
    "ping(\"x\".pad(200, 'x'))",
    "pong([])",
    "close(\"x\")",
    "close(99999999999)",
    "close(-1)",
    "close(1000, 5)",
    "close(1000, \"x\".pad(200, 'x'))",
    "send(())",
    "parse_json(5)",
    "parse_json(\"[[[[[[[[[[\")",
    "to_json(Fn(\"x\"))",
    "read_file(\"/\")",
    "read_file(\"/missing\")",
    "read_blob(42)",
    "help(42)",
    "url(1)",
    "exit(256)",
    "exit(-1)",
    "exit(\"x\")",
    "exit(9223372036854775807)",
    "blob(10_000_000_000)",
    "let s = \"x\"; loop { s += s }",
    "let a = [1]; loop { a += a }",
    "fn f(x) { f(x + 1) } f(0)",
    "let x = []; for i in 0..300 { x = [x] } print(x)",
    "let x = []; for i in 0..300 { x = [x] } to_json(x)",
    "let x = []; for i in 0..300 { x = [x] } x",
    "let x = #{}; for i in 0..300 { x = #{a: x} } debug(x)",
    "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
];

/// What is wrong with one run, if anything.
fn problem(what: &str, output: &Output, status_ok: &[i32]) -> Option<String> {
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let status = output.status.code();
    let dump = DUMPS.iter().find(|d| shown.contains(*d));
    if status.is_some_and(|s| status_ok.contains(&s)) && dump.is_none() {
        return None;
    }
    let tail: String = shown.chars().take(300).collect();
    Some(format!("{what}: status {status:?}: {tail}"))
}

#[test]
fn hostile_expressions_through_ws_run() {
    let (server, home) = (TestServer::echo(), home());
    let mut problems = Vec::new();
    for (i, expression) in EXPRESSIONS.iter().enumerate() {
        let path = home.path().join(format!("e{i}.rhai"));
        std::fs::write(&path, expression).unwrap();
        let path = path.display().to_string();
        let out = run_with_stdin(home.path(), &["run", &path, &server.url()], "");
        problems.extend(problem(expression, &out, &[0, 1, 2]));
        if out.status.code() == Some(1) {
            let err = String::from_utf8_lossy(&out.stderr);
            let first = err.lines().next().unwrap_or_default();
            if !first.starts_with("ws: error: ") || first.len() < 20 {
                problems.push(format!("{expression}: no plain message: {err}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn hostile_expressions_through_the_session() {
    let (server, home) = (TestServer::echo(), home());
    let lines: String = EXPRESSIONS
        .iter()
        .filter(|e| !e.starts_with("exit") && !e.starts_with("close"))
        .map(|e| format!("{e}\n"))
        .collect();
    let out = run_with_stdin(home.path(), &["session", &server.url()], &lines);
    // Every line was refused or done, and the session ended at the end of
    // its input with a normal close.
    let problems = problem("the session", &out, &[0]);
    assert!(problems.is_none(), "{}", problems.unwrap_or_default());
    assert_eq!(server.wait_close().0, 1000);
}

#[test]
fn exit_codes_out_of_range_are_refused() {
    let home = home();
    for (code, status) in [("0", 0), ("255", 255), ("256", 1), ("-1", 1)] {
        std::fs::write(home.path().join("x.rhai"), format!("exit({code})")).unwrap();
        let out = run_with_stdin(home.path(), &["run", "x.rhai"], "");
        assert_eq!(out.status.code(), Some(status), "exit({code})");
        if status == 1 {
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("exit expects a status from 0 to 255"), "{err}");
        }
    }
}

#[test]
fn type_mismatches_name_the_function_and_the_fix() {
    let (server, home) = (TestServer::echo(), home());
    for (code, want) in [
        (
            "text(42)",
            "text expects a string, got an integer: use text(42.to_string())",
        ),
        (
            "let c = connect(url()); c.text(1.5)",
            "text expects a string, got a decimal number",
        ),
        (
            "close(\"x\")",
            "close expects an integer, got a string: see help close",
        ),
        (
            "sleep(\"1\")",
            "sleep expects a decimal number or an integer, got a string: see help sleep",
        ),
    ] {
        std::fs::write(home.path().join("t.rhai"), code).unwrap();
        let out = run_with_stdin(home.path(), &["run", "t.rhai", &server.url()], "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{code}: {err}");
        assert!(err.contains(want), "{code}: {err}");
    }
}

#[test]
fn limits_end_runaway_scripts_with_a_sentence() {
    let home = home();
    for (code, want) in [
        (
            "let s = \"x\"; loop { s += s }",
            "a string would be longer than max_string_size (67108864 bytes); \
             raise it in ws.toml or with WS_MAX_STRING_SIZE",
        ),
        (
            "blob(10_000_000_000)",
            "an array or blob would be larger than max_array_size (16777216 elements or bytes)",
        ),
        (
            "let x = []; for i in 0..1000 { x = [x] } print(x)",
            "print: the value nests arrays or maps more than 128 levels deep",
        ),
        (
            "let m = #{}; for i in 0..1000 { m = #{a: m} } print(to_json(m))",
            "to_json: the value nests arrays or maps more than 128 levels deep",
        ),
        (
            "let m = #{}; for i in 0..1000 { m = #{a: [m]} } m.to_json()",
            "to_json: the value nests arrays or maps more than 128 levels deep",
        ),
        (
            "let s = \"\"; s.pad(100000, '['); let t = \"\"; t.pad(100000, ']'); parse_json(s + t)",
            "parse_json: the text is not JSON (recursion limit exceeded",
        ),
    ] {
        std::fs::write(home.path().join("l.rhai"), code).unwrap();
        let out = run_with_stdin(home.path(), &["run", "l.rhai"], "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{code}: {err}");
        assert!(err.contains(want), "{code}: {err}");
    }
    // Settings move the limits; a file is read only up to them.
    std::fs::write(home.path().join("big.txt"), "x".repeat(11)).unwrap();
    for (code, variable, want) in [
        (
            "let s = \"x\".pad(2000, 'x');",
            "WS_MAX_STRING_SIZE",
            "a string would be longer than max_string_size (10 bytes)",
        ),
        (
            "let m = #{}; for i in 0..100 { m[`k${i}`] = i; } m.len()",
            "WS_MAX_MAP_SIZE",
            "an object map would have more than max_map_size (10) properties",
        ),
        (
            "let a = []; for i in 0..100 { a.push(i) }",
            "WS_MAX_ARRAY_SIZE",
            "an array or blob would be larger than max_array_size (10 elements or bytes)",
        ),
        (
            "fn f(x) { f(x + 1) } f(0)",
            "WS_MAX_CALL_LEVELS",
            "function calls are nested deeper than max_call_levels (10)",
        ),
        (
            "read_file(\"big.txt\")",
            "WS_MAX_STRING_SIZE",
            "big.txt is larger than max_string_size (10 bytes)",
        ),
        (
            "read_blob(\"big.txt\")",
            "WS_MAX_ARRAY_SIZE",
            "big.txt is larger than max_array_size (10 bytes)",
        ),
    ] {
        std::fs::write(home.path().join("l.rhai"), code).unwrap();
        let out = ws_cmd(home.path())
            .args(["run", "l.rhai"])
            .env(variable, "10")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{code}: {err}");
        assert!(err.contains(want), "{code}: {err}");
    }
}

#[test]
fn sleep_is_interrupted_by_sigterm_and_ctrl_c() {
    let home = home();
    std::fs::write(
        home.path().join("s.rhai"),
        "print(\"sleeping\"); sleep(60);",
    )
    .unwrap();
    let mut command = ws_cmd(home.path());
    command.args(["run", "s.rhai"]);
    let mut pty = Pty::spawn(command);
    pty.expect("sleeping");
    pty.signal(libc::SIGTERM);
    assert_eq!(pty.code(), 130);
    let mut command = ws_cmd(home.path());
    command.arg("session");
    let mut pty = Pty::spawn(command);
    pty.line("print(\"zz\" + \"z\"); sleep(60)");
    pty.expect("zzz");
    pty.ctrl_c();
    pty.expect("Interrupted.");
    pty.line("sleep(0.01); print(\"awake\")");
    pty.expect("awake");
    pty.ctrl_d();
    assert_eq!(pty.code(), 0);
}

#[test]
fn the_fuzz_target_survives_the_table_and_garbage() {
    // The fuzz target's entry point, in process, on a thread with a main
    // thread's stack: a panic or an abort here fails the whole test run.
    let garbage = [
        "",
        "}",
        "((",
        "text",
        "close 99999",
        "let x = ",
        "'\u{0}'",
        "🙂(1)",
    ];
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            for line in EXPRESSIONS.iter().chain(garbage.iter()) {
                ws::internals::session_line(line);
            }
        })
        .unwrap()
        .join()
        .expect("no panic");
}
