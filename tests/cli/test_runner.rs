//! `ws test`: suites with passing, failing, erroring, timing-out and flaky
//! tests through the real binary, against an in-process server that keeps
//! what each connection received.

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::support::junit;
use crate::support::server::spawn_server;
use crate::support::{home, ws_cmd};

/// A server that echoes text, keeps the texts of each connection, and
/// answers `flaky` with `not yet` the first time and `ok` afterwards.
struct Recorder {
    url: String,
    connections: Arc<Mutex<Vec<Vec<String>>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let connections: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
        let flaky = Arc::new(AtomicUsize::new(0));
        let kept = connections.clone();
        let address = spawn_server(move |stream| {
            let (kept, flaky) = (kept.clone(), flaky.clone());
            async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
                    return;
                };
                let index = {
                    let mut all = kept.lock().unwrap();
                    all.push(Vec::new());
                    all.len() - 1
                };
                while let Some(Ok(message)) = ws.next().await {
                    let Message::Text(text) = message else {
                        continue;
                    };
                    kept.lock().unwrap()[index].push(text.to_string());
                    let reply = match text.as_str() {
                        "flaky" if flaky.fetch_add(1, Ordering::SeqCst) == 0 => "not yet".into(),
                        "flaky" => "ok".into(),
                        other => other.to_string(),
                    };
                    if ws.send(Message::text(reply)).await.is_err() {
                        return;
                    }
                }
            }
        });
        Recorder {
            url: format!("ws://{address}/"),
            connections,
        }
    }

    fn connections(&self) -> Vec<Vec<String>> {
        self.connections.lock().unwrap().clone()
    }
}

/// Writes `files` (name, text) into `home/suite/` and runs `ws test` there.
fn ws_test(home: &Path, files: &[(&str, &str)], args: &[&str]) -> Output {
    let dir = home.join("suite");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    ws_cmd(home)
        .arg("test")
        .arg(&dir)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The output with every duration replaced by `T`.
fn timeless(text: &str) -> String {
    let times = regex_lite::Regex::new(r"\d+(\.\d+)? (ms|s)\b").unwrap();
    times.replace_all(text, "T").into_owned()
}

/// The lines of the tests, as `test NAME ... STATUS`.
fn test_lines(text: &str) -> Vec<String> {
    timeless(text)
        .lines()
        .filter(|l| l.starts_with("test "))
        .map(String::from)
        .collect()
}

const MIXED: &str = r#"
fn test_pass() {
    text("pass");
    assert_eq(recv(), "pass");
}

fn test_fail() {
    send(#{ id: 7, name: "ada" });
    assert_eq(recv(), #{ id: 8, name: "ada" });
}

fn test_error() {
    text("error");
    throw "the server said no";
}

fn test_timeout() {
    text("timeout");
    recv();
    recv(60);
}

fn test_flaky() {
    text("flaky");
    assert_eq(recv(), "ok");
}
"#;

#[test]
fn every_status_has_its_line_details_and_exit_status() {
    let (server, home) = (Recorder::start(), home());
    let out = ws_test(
        home.path(),
        &[("mixed.rhai", MIXED)],
        &[
            "--url",
            &server.url,
            "-j",
            "1",
            "--timeout",
            "0.5",
            "--retries",
            "1",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert_eq!(
        test_lines(&text),
        [
            "test mixed.rhai::test_pass ... ok T",
            "test mixed.rhai::test_fail ... FAILED T",
            "test mixed.rhai::test_error ... ERROR T",
            "test mixed.rhai::test_timeout ... TIMEOUT T",
            "test mixed.rhai::test_flaky ... flaky T (passed on try 2)",
        ],
        "{text}"
    );
    assert!(text.starts_with("running 5 tests\n"), "{text}");
    assert!(text.ends_with("\n1 passed, 3 failed, 1 flaky\n"), "{text}");
    let failure = [
        "---- mixed.rhai::test_fail (FAILED) ----",
        "mixed.rhai:9:5: assert_eq failed: the values differ at .id",
        "9 |     assert_eq(recv(), #{ id: 8, name: \"ada\" });",
        "        ^",
        "  left:  {\"id\":7,\"name\":\"ada\"} (JSON text)",
        "  right: {\"id\":8,\"name\":\"ada\"}",
        "  first difference at .id: 7 vs 8",
        "last messages exchanged:",
    ]
    .join("\n");
    assert!(text.contains(&failure), "{text}");
    let exchanged = timeless(&text);
    assert!(exchanged.contains("  > text"), "{text}");
    assert!(
        text.contains("mixed.rhai:14:5: the server said no"),
        "{text}"
    );
    assert!(
        text.contains("the test ran longer than 0.5 s (--timeout) and was stopped"),
        "{text}"
    );
    assert!(
        text.contains("passed on try 2 of 2; try 1 ended FAILED"),
        "{text}"
    );
    // One connection per try: pass 1, and two each for the rest.
    assert_eq!(server.connections().len(), 9);
}

#[test]
fn four_at_once_gives_the_same_results_with_a_connection_each() {
    let mut suite = String::new();
    for i in 0..8 {
        let want = if i % 3 == 0 { "wrong" } else { "right" };
        suite.push_str(&format!(
            "fn test_{i}() {{ text(\"right {i}\"); assert_eq(recv(), \"{want} {i}\"); }}\n"
        ));
    }
    let mut runs = Vec::new();
    for jobs in ["1", "4"] {
        let (server, home) = (Recorder::start(), home());
        let out = ws_test(
            home.path(),
            &[("many.rhai", &suite)],
            &["--url", &server.url, "-j", jobs],
        );
        assert_eq!(out.status.code(), Some(1));
        let mut lines = test_lines(&stdout(&out));
        lines.sort();
        let closing = stdout(&out).lines().last().unwrap().to_string();
        runs.push((lines, closing));
        let mut seen: Vec<Vec<String>> = server.connections();
        seen.sort();
        let want: Vec<Vec<String>> = (0..8).map(|i| vec![format!("right {i}")]).collect();
        assert_eq!(seen, want, "one connection per test, -j {jobs}");
    }
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0].1, "5 passed, 3 failed");
}

#[test]
fn setup_and_teardown_run_around_each_test() {
    let (server, home) = (Recorder::start(), home());
    let suite = r#"
fn setup() { text("setup"); recv(); }
fn teardown() { text("teardown"); recv(); }
fn test_one() { text("one"); recv(); }
fn test_two() { text("two"); recv(); assert(false, "two fails"); }
"#;
    let out = ws_test(
        home.path(),
        &[("st.rhai", suite)],
        &["--url", &server.url, "-j", "1"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("st.rhai:5:38: assertion failed: two fails"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        server.connections(),
        [["setup", "one", "teardown"], ["setup", "two", "teardown"]]
    );
}

#[test]
fn filter_list_and_fail_fast() {
    let (server, home) = (Recorder::start(), home());
    let suite = r#"
fn test_a() { text("a"); assert_eq(recv(), "a"); }
fn test_b() { text("b"); assert_eq(recv(), "x"); }
fn test_c() { text("c"); assert_eq(recv(), "c"); }
"#;
    let files = [("abc.rhai", suite)];
    let list = ws_test(home.path(), &files, &["--list", "--filter", "test_"]);
    assert_eq!(
        stdout(&list),
        "abc.rhai::test_a\nabc.rhai::test_b\nabc.rhai::test_c\n"
    );
    let filtered = ws_test(
        home.path(),
        &files,
        &["--url", &server.url, "--filter", "_c"],
    );
    assert_eq!(filtered.status.code(), Some(0));
    assert_eq!(
        test_lines(&stdout(&filtered)),
        ["test abc.rhai::test_c ... ok T"]
    );
    let report = home.path().join("fast.xml");
    let fast = ws_test(
        home.path(),
        &files,
        &[
            "--url",
            &server.url,
            "-j",
            "1",
            "--fail-fast",
            "--junit",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(fast.status.code(), Some(1));
    assert_eq!(
        test_lines(&stdout(&fast)),
        [
            "test abc.rhai::test_a ... ok T",
            "test abc.rhai::test_b ... FAILED T",
            "test abc.rhai::test_c ... skipped",
        ]
    );
    assert!(stdout(&fast).ends_with("\n1 passed, 1 failed, 1 skipped\n"));
    let root = junit::parse(&std::fs::read_to_string(&report).unwrap());
    junit::check(&root);
    assert_eq!(root.attr("skipped"), "1");
    let skipped = &root.children[0].children[2];
    assert_eq!(skipped.children[0].name, "skipped");
    // The listing connects nowhere; test_c ran once, then a and b.
    assert_eq!(server.connections(), [["c"], ["a"], ["b"]]);
}

#[test]
fn junit_file_follows_the_schema_and_parses_back() {
    let (server, home) = (Recorder::start(), home());
    let other = "fn test_echo() { text(\"<b>&\"); assert_eq(recv(), \"<b>&\"); }\n";
    let report = home.path().join("report.xml");
    let out = ws_test(
        home.path(),
        &[("mixed.rhai", MIXED), ("other.rhai", other)],
        &[
            "--url",
            &server.url,
            "--timeout",
            "0.5",
            "--retries",
            "1",
            "--junit",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&report).unwrap();
    let root = junit::parse(&xml);
    junit::check(&root);
    assert_eq!(root.attr("tests"), "6");
    assert_eq!(root.attr("failures"), "1");
    assert_eq!(root.attr("errors"), "2");
    let suites: Vec<&str> = root.children.iter().map(|s| s.attr("name")).collect();
    assert_eq!(suites, ["mixed.rhai", "other.rhai"]);
    let cases = &root.children[0].children;
    let names: Vec<&str> = cases.iter().map(|c| c.attr("name")).collect();
    assert_eq!(
        names,
        [
            "test_pass",
            "test_fail",
            "test_error",
            "test_timeout",
            "test_flaky"
        ]
    );
    let fail = &cases[1];
    assert_eq!(fail.children[0].name, "failure");
    assert_eq!(
        fail.children[0].attr("message"),
        "mixed.rhai:9:5: assert_eq failed: the values differ at .id"
    );
    assert!(
        fail.children[0]
            .text
            .contains("first difference at .id: 7 vs 8")
    );
    assert_eq!(fail.children[1].name, "system-out");
    assert!(fail.children[1].text.contains("> text"), "{xml}");
    assert_eq!(cases[2].children[0].name, "error");
    assert_eq!(cases[3].children[0].attr("type"), "timeout");
    assert!(
        cases[4].children[0]
            .text
            .starts_with("flaky: passed on try 2")
    );
}

#[test]
fn tap_and_transcripts_of_failing_tests() {
    let (server, home) = (Recorder::start(), home());
    let suite = r#"
fn test_good() { text("good"); recv(); }
fn test_bad() { text("<script>bad</script>"); assert_eq(recv(), "good"); }
"#;
    let dir = home.path().join("failed");
    let out = ws_test(
        home.path(),
        &[("t.rhai", suite)],
        &[
            "--url",
            &server.url,
            "-j",
            "1",
            "--tap",
            "--transcripts",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let tap = timeless(&stdout(&out));
    let mut lines = tap.lines();
    assert_eq!(lines.next(), Some("TAP version 13"));
    assert_eq!(lines.next(), Some("1..2"));
    assert_eq!(lines.next(), Some("ok 1 - t.rhai::test_good # T"));
    assert_eq!(lines.next(), Some("not ok 2 - t.rhai::test_bad # T"));
    assert_eq!(lines.next(), Some("  ---"));
    assert_eq!(lines.next(), Some("  status: failed"));
    assert!(tap.contains("  ...\n# 1 passed, 1 failed\n"), "{tap}");
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["t.rhai--test_bad.html", "t.rhai--test_bad.svg"]);
    let svg = std::fs::read_to_string(dir.join("t.rhai--test_bad.svg")).unwrap();
    assert!(svg.contains("&lt;script&gt;bad&lt;/script&gt;"), "{svg}");
    assert!(!svg.contains("<script>"));
}

#[test]
fn the_example_suite_passes_against_ws_echo_server() {
    let home = home();
    let mut server = ws_cmd(home.path())
        .args(["echo-server", "-p", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut reader = std::io::BufReader::new(server.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut reader, &mut first).unwrap();
    let port = first.trim().rsplit(':').next().unwrap().to_string();
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/tests");
    let out = ws_cmd(home.path())
        .arg("test")
        .arg(&suite)
        .args(["--url", &format!("ws://127.0.0.1:{port}/")])
        .output()
        .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    let closing = text.lines().last().unwrap();
    assert!(closing.ends_with(" passed, 0 failed"), "{text}");
}

#[test]
fn the_failing_example_fails_on_the_built_in_server() {
    let home = home();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/failing-test.rhai");
    let out = ws_cmd(home.path())
        .arg("test")
        .arg(&example)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("first difference at .id: 7 vs 8"), "{text}");
    assert!(text.ends_with("\n0 passed, 2 failed\n"), "{text}");
}

#[test]
fn a_whole_file_is_one_test_and_its_url_line_is_used() {
    let (server, home) = (Recorder::start(), home());
    let file = format!(
        "// url: {}\ntext(\"whole\");\nassert_eq(recv(), \"whole\");\n",
        server.url
    );
    let out = ws_test(home.path(), &[("whole.rhai", &file)], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(test_lines(&stdout(&out)), ["test whole.rhai ... ok T"]);
    assert_eq!(server.connections(), [["whole"]]);
}

#[test]
fn bad_usage_is_status_2() {
    let home = home();
    for args in [
        vec!["test", "missing.rhai"],
        vec!["test", "-j", "0"],
        vec!["test", "--timeout", "-1"],
        vec!["test", "--url", "http://x"],
    ] {
        let out = ws_cmd(home.path()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = ws_cmd(home.path()).arg("test").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no tests to run"));
}

#[test]
fn assertions_in_ws_run_show_the_values() {
    let home = home();
    let script = home.path().join("check.rhai");
    std::fs::write(
        &script,
        "let a = #{ list: [1, 2, 3] };\nassert_eq(a, #{ list: [1, 2, 4] });\n",
    )
    .unwrap();
    let out = ws_cmd(home.path())
        .arg("run")
        .arg(&script)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("check.rhai:2:1: assert_eq failed: the values differ at .list[2]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  first difference at .list[2]: 3 vs 4"),
        "{stderr}"
    );
}

#[test]
fn ctrl_c_stops_the_tests_under_way_skips_the_rest_and_reports_them() {
    let home = home();
    let suite = home.path().join("suite");
    std::fs::create_dir(&suite).unwrap();
    std::fs::write(suite.join("a.rhai"), "fn test_waits() { text(\"hi\"); }\n").unwrap();
    std::fs::write(
        suite.join("b.rhai"),
        "fn test_one() { text(\"x\"); }\nfn test_two() { text(\"y\"); }\n",
    )
    .unwrap();
    let (address, accepted) = crate::support::server::silent_server();
    let report = home.path().join("report.xml");
    let mut child = ws_cmd(home.path())
        .args([
            "test",
            "suite",
            "-j",
            "1",
            "--connect-timeout",
            "600",
            "--url",
        ])
        .arg(format!("ws://{address}/"))
        .arg("--junit")
        .arg(&report)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _held = accepted
        .recv_timeout(crate::support::pty::PATIENCE)
        .expect("the first test connects");
    let status = crate::support::interrupt(&mut child, "ws test is still running");
    assert_eq!(status.code(), Some(130));
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("test a.rhai::test_waits ... ERROR"),
        "{stdout}"
    );
    assert!(
        stdout.contains("the test was stopped by Ctrl+C or SIGTERM"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test b.rhai::test_one ... skipped"),
        "{stdout}"
    );
    assert!(stdout.contains("0 passed, 1 failed, 2 skipped"), "{stdout}");
    let root = junit::parse(&std::fs::read_to_string(&report).unwrap());
    junit::check(&root);
    assert_eq!(
        (
            root.attr("tests"),
            root.attr("errors"),
            root.attr("skipped")
        ),
        ("3", "1", "2")
    );
}

#[test]
fn shards_split_the_suite_into_disjoint_parts_that_cover_it() {
    let (server, home) = (Recorder::start(), home());
    let many: String = (0..12)
        .map(|i| format!("fn test_{i}() {{ text(\"{i}\"); recv(); }}\n"))
        .collect();
    let files = [
        ("many.rhai", many.as_str()),
        ("whole.rhai", "text(\"w\"); recv();"),
    ];
    let all = stdout(&ws_test(home.path(), &files, &["--list"]));
    let mut listed: Vec<&str> = Vec::new();
    let first = ws_test(home.path(), &files, &["--list", "--shard", "1/2"]);
    let second = ws_test(home.path(), &files, &["--list", "--shard", "2/2"]);
    let (first, second) = (stdout(&first), stdout(&second));
    listed.extend(first.lines());
    listed.extend(second.lines());
    listed.sort_unstable();
    let mut want: Vec<&str> = all.lines().collect();
    want.sort_unstable();
    assert_eq!(listed, want, "1/2:\n{first}\n2/2:\n{second}");
    assert!(!first.is_empty() && !second.is_empty());
    // The same part every time.
    let again = ws_test(home.path(), &files, &["--list", "--shard", "1/2"]);
    assert_eq!(stdout(&again), first);
    // A part runs what it lists.
    let run = ws_test(
        home.path(),
        &files,
        &["--url", &server.url, "--shard", "1/2"],
    );
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));
    let ran: Vec<String> = test_lines(&stdout(&run))
        .iter()
        .map(|l| {
            l.trim_start_matches("test ")
                .split(" ...")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut ran_sorted = ran.clone();
    ran_sorted.sort_unstable();
    let mut first_sorted: Vec<String> = first.lines().map(String::from).collect();
    first_sorted.sort_unstable();
    assert_eq!(ran_sorted, first_sorted);
    // More parts than tests: an empty part passes with nothing run.
    let (one, home) = ([("one.rhai", "fn test_only() { }")], crate::support::home());
    let outs: Vec<Output> = (1..=3)
        .map(|k| ws_test(home.path(), &one, &["--shard", &format!("{k}/3")]))
        .collect();
    let empty = outs
        .iter()
        .find(|o| !stdout(o).contains("test one.rhai::test_only"))
        .expect("a part without the test");
    assert_eq!(empty.status.code(), Some(0), "{}", stdout(empty));
    assert!(
        stdout(empty).ends_with("0 passed, 0 failed\n"),
        "{}",
        stdout(empty)
    );
    let bad = ws_test(home.path(), &one, &["--shard", "4/3"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_failed_expect_is_failed_and_keeps_its_message_when_the_close_hangs() {
    // The server takes the handshake and never answers anything: the
    // expect fails after 0.5 s, and the close after it would wait
    // disconnect_timeout (60 s) but for --timeout.
    let address = spawn_server(|stream| async move {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        let mut sink = vec![0; 16 * 1024];
        use tokio::io::AsyncReadExt;
        while let Ok(n) = ws.get_mut().read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    let home = home();
    let files = [(
        "deaf.rhai",
        "fn test_expect() { text(\"hi\"); expect(\"pong\", 0.5); }",
    )];
    let dir = home.path().join("suite");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(files[0].0), files[0].1).unwrap();
    let out = ws_cmd(home.path())
        .env("WS_DISCONNECT_TIMEOUT", "60")
        .args(["test", dir.to_str().unwrap(), "--timeout", "2"])
        .args(["--url", &format!("ws://{address}/")])
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        test_lines(&text),
        ["test deaf.rhai::test_expect ... FAILED T"],
        "{text}"
    );
    assert!(
        text.contains("expect: no message containing \"pong\" arrived within 0.5 s"),
        "{text}"
    );
    assert!(
        text.contains("last messages exchanged:\n  > text"),
        "{text}"
    );
}

#[test]
fn a_timed_out_test_keeps_its_last_messages() {
    let (server, home) = (Recorder::start(), home());
    let files = [(
        "slow.rhai",
        "fn test_slow() { text(\"before\"); recv(); sleep(60); }",
    )];
    let out = ws_test(
        home.path(),
        &files,
        &["--url", &server.url, "--timeout", "1"],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(
        test_lines(&text),
        ["test slow.rhai::test_slow ... TIMEOUT T"]
    );
    assert!(text.contains("last messages exchanged:"), "{text}");
    assert!(text.contains("< text"), "{text}");
    assert!(text.contains("before"), "{text}");
}
