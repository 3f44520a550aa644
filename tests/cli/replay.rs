//! `.cast` recordings (`-f FILE.cast`) and `ws replay`: a session recorded
//! to a `.cast` and a `.txt` at once; the recording is valid asciicast v2 and
//! plays back as the same text; bad files and flags are refused plainly.

use std::path::Path;

use serde_json::Value;

use crate::support::pty::Pty;
use crate::support::server::{Frame, TestServer};
use crate::support::{home, ws_cmd};

/// A session on an echo server recorded to `s.cast` and `s.txt`: plain
/// commands, Rhai, a message that waits a moment, hostile text, then quit.
fn recorded_session(home: &Path) {
    let server = TestServer::echo();
    let mut command = ws_cmd(home);
    command.args(["session", &server.url(), "-f", "s.cast", "-f", "s.txt"]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session!");
    pty.next_prompt();
    pty.line("text first");
    pty.wait_screen("< text");
    server.wait_for("the first", |f| *f == Frame::Text("first".into()));
    pty.next_prompt();
    pty.line("sleep(0.25); text(\"second \\x1b[2J\")");
    server.wait_for("the second", |f| *f == Frame::Text("second \x1b[2J".into()));
    pty.expect("second");
    pty.next_prompt();
    pty.line("byte abc");
    server.wait_for("the bytes", |f| *f == Frame::Binary(b"abc".to_vec()));
    pty.expect("|abc|");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
}

/// The header and the events of a recording, each line checked as JSON.
fn read_cast(text: &str) -> (Value, Vec<(f64, String)>) {
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().expect("a header")).expect("JSON");
    let events = lines
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("an event in JSON");
            let tuple = event.as_array().expect("an event is an array");
            assert_eq!(tuple.len(), 3, "{line}");
            assert_eq!(tuple[1], "o", "{line}");
            let time = tuple[0].as_f64().expect("a time in seconds");
            (time, tuple[2].as_str().expect("text").to_string())
        })
        .collect();
    (header, events)
}

#[test]
fn a_cast_is_valid_asciicast_v2_with_the_time_of_every_line() {
    let home = home();
    recorded_session(home.path());
    let text = std::fs::read_to_string(home.path().join("s.cast")).unwrap();
    let (header, events) = read_cast(&text);
    assert_eq!(header["version"], 2);
    assert_eq!(header["width"], 120, "the test terminal's width: {header}");
    assert!(header["height"].as_u64().is_some_and(|h| h > 0), "{header}");
    assert!(
        header["timestamp"]
            .as_u64()
            .is_some_and(|t| t > 1_600_000_000)
    );
    assert_eq!(header["title"], "s.cast");
    assert!(events.len() > 10, "{events:?}");
    let times: Vec<f64> = events.iter().map(|(t, _)| *t).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(times[0] >= 0.0);
    let at = |needle: &str| {
        let found = events.iter().find(|(_, data)| data.contains(needle));
        found.unwrap_or_else(|| panic!("{needle} in {events:?}")).0
    };
    // The typed line comes before the sleep, the echo after it.
    let waited = at("second \u{241b}[2J") - at("sleep(0.25)");
    assert!(waited >= 0.25, "{waited}");
    // Every line ends like a terminal's; no escape from the wire survives.
    assert!(events.iter().all(|(_, data)| data.ends_with("\r\n")));
    assert!(!text.contains("\\u001b[2J"), "{text}");
}

#[test]
fn replay_prints_the_text_transcript_of_the_same_session() {
    let home = home();
    recorded_session(home.path());
    let txt = std::fs::read_to_string(home.path().join("s.txt")).unwrap();
    assert!(txt.contains("ws> byte abc\n"), "{txt}");
    for file in ["s.cast", "s.txt"] {
        let output = ws_cmd(home.path())
            .args(["replay", "--no-wait", file])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), txt, "{file}");
        assert!(output.stderr.is_empty(), "{output:?}");
    }
    let cast = std::fs::File::open(home.path().join("s.cast")).unwrap();
    let output = ws_cmd(home.path())
        .args(["replay", "-", "--no-wait"])
        .stdin(cast)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        txt,
        "from standard input"
    );
}

#[test]
fn a_shared_recording_cannot_take_over_the_terminal() {
    let home = home();
    let cast = concat!(
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n",
        "[0.0, \"o\", \"\\u001b[31mred\\u001b[0m \\u001b]0;owned\\u0007\\u001b[2J\\r\\n\"]\n",
        "[0.1, \"i\", \"typed\"]\n",
        "[0.2, \"o\", \"bye\\r\\n\"]\n",
    );
    std::fs::write(home.path().join("shared.cast"), cast).unwrap();
    let output = ws_cmd(home.path())
        .args(["replay", "shared.cast", "--speed", "4"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let shown = String::from_utf8(output.stdout).unwrap();
    assert_eq!(shown, "red \u{241b}]0;owned\u{2407}\u{241b}[2J\nbye\n");
}

#[test]
fn bad_files_and_flags_are_refused_plainly() {
    let home = home();
    std::fs::write(
        home.path().join("cut.cast"),
        "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.5, \"o\", \"a\\r\\n\"]\n[0.7, \"o\", \"b",
    )
    .unwrap();
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &["missing.cast"],
            1,
            "cannot read missing.cast: no such file or directory",
        ),
        (
            &["cut.cast", "--no-wait"],
            2,
            "line 3 of cut.cast is not an asciicast v2 event",
        ),
        (&["cut.cast", "--speed", "0"], 2, "--speed 0 is not a speed"),
        (
            &["cut.cast", "--idle-limit=-1"],
            2,
            "--idle-limit -1 is not a duration",
        ),
    ];
    for (args, status, message) in cases {
        let output = ws_cmd(home.path())
            .arg("replay")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(stderr.starts_with("ws: error: "), "{stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}
