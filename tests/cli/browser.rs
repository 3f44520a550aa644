//! The HTML transcript in a real headless Chromium (driven by
//! scripts/browser-check.py over the DevTools pipe): the filter shows and
//! hides the right entries, JSON opens and closes, and a message carrying a
//! script never runs it; the SVG transcript keeps its columns (indented
//! JSON, a hex dump) as the HTML page does. scripts/browser-test.sh installs Chromium and runs
//! this test; without a browser it says so and checks nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::pty::Pty;
use crate::support::server::{Frame, TestServer};
use crate::support::{home, ws_cmd};

const HOSTILE: &str = "hello <script>alert(1)</script>";

/// Chromium: `WS_BROWSER`, else the usual system paths.
fn browser() -> Option<PathBuf> {
    let named = std::env::var_os("WS_BROWSER").map(PathBuf::from);
    let usual = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ];
    named
        .into_iter()
        .chain(usual.iter().map(PathBuf::from))
        .find(|path| path.is_file())
}

/// A session recorded to `page.html`: a JSON message, hostile text, bytes
/// and a line of Rhai.
fn recorded_page(home: &Path) -> PathBuf {
    let server = TestServer::echo();
    let mut command = ws_cmd(home);
    command.args(["session", &server.url(), "-f", "page.html"]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session!");
    pty.next_prompt();
    let json = r#"{"op":"subscribe","channel":"trades"}"#;
    for (typed, frame) in [
        (format!("text {json}"), Frame::Text(json.into())),
        (format!("text {HOSTILE}"), Frame::Text(HOSTILE.into())),
        ("byte abc".to_string(), Frame::Binary(b"abc".to_vec())),
    ] {
        pty.line(&typed);
        server.wait_for("the message", |f| *f == frame);
        pty.wait_screen("< ");
        pty.next_prompt();
    }
    pty.line("let answer = 6 * 7");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    home.join("page.html")
}

/// What the browser saw, as scripts/browser-check.py reports it.
fn drive(browser: &Path, page: &Path) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser-check.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(browser)
        .arg(page)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "browser-check failed: {stderr}");
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

/// The entries of one filter step: (direction, kind, text).
fn entries(report: &Value, step: &str) -> Vec<(String, String, String)> {
    let step = &report["steps"][step];
    assert_eq!(step["form"], true, "the filter is shown: {step}");
    step["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            let field = |name: &str| e[name].as_str().unwrap_or_default().to_string();
            (field("dir"), field("kind"), field("text"))
        })
        .collect()
}

#[test]
#[ignore = "needs Chromium: scripts/browser-test.sh installs it and runs this test"]
fn the_html_page_filters_folds_json_and_never_runs_wire_text() {
    let browser = browser()
        .expect("no Chromium found: scripts/browser-test.sh installs it, or set WS_BROWSER");
    let home = home();
    let page = recorded_page(home.path());
    let report = drive(&browser, &page);
    assert_eq!(report["dialogs"], Value::Array(vec![]), "{report}");
    assert_eq!(report["errors"], Value::Array(vec![]), "{report}");

    let all = entries(&report, "all");
    assert_eq!(report["steps"]["all"]["shown"], "6 of 6 messages shown");
    assert!(
        all.iter()
            .any(|(d, _, t)| d == "received" && t.ends_with(HOSTILE)),
        "{all:?}"
    );
    assert!(
        all.iter().any(|(_, _, t)| t.starts_with("Welcome")),
        "{all:?}"
    );

    let matching = entries(&report, "text_subscribe");
    assert!(
        matching.iter().all(|(_, _, t)| t.contains("subscribe")),
        "{matching:?}"
    );
    assert!(
        matching.iter().any(|(d, _, _)| d == "received"),
        "{matching:?}"
    );
    assert!(
        matching.iter().any(|(_, k, _)| k == "typed"),
        "{matching:?}"
    );
    assert!(matching.len() < all.len());

    for (step, direction) in [("received", "received"), ("sent", "sent")] {
        let shown = entries(&report, step);
        assert_eq!(shown.len(), 3, "{step}: {shown:?}");
        assert!(
            shown.iter().all(|(d, _, _)| d == direction),
            "{step}: {shown:?}"
        );
        assert_eq!(report["steps"][step]["shown"], "3 of 6 messages shown");
    }
    let typed: Vec<_> = entries(&report, "typed")
        .into_iter()
        .map(|(_, _, t)| t)
        .collect();
    assert_eq!(typed.len(), 5, "{typed:?}");
    assert!(
        typed.contains(&"ws> let answer = 6 * 7".to_string()),
        "{typed:?}"
    );
    let binary = entries(&report, "binary");
    assert_eq!(binary.len(), 1, "{binary:?}");
    assert!(binary[0].2.contains("|abc|"), "{binary:?}");
    assert!(entries(&report, "nothing").is_empty());

    // Without JavaScript every entry shows and the filter is absent.
    let bare = &report["without_script"];
    assert_eq!(bare["form"], false, "{bare}");
    assert_eq!(
        bare["entries"].as_array().map(Vec::len),
        Some(all.len()),
        "{bare}"
    );

    // One JSON message: folded at first, then opened, then folded by clicks.
    let open = report["json_open"].to_string();
    assert_eq!(open, "[[false],[true],[false]]");
}

/// SVG character advance: 0.6 em of the 14 px font (src/transcript/svg.rs).
const SVG_ADVANCE: f64 = 8.4;

#[test]
#[ignore = "needs Chromium: scripts/browser-test.sh installs it and runs this test"]
fn svg_keeps_its_columns_in_a_browser_as_the_html_page_does() {
    let Some(browser) = browser() else {
        panic!("no Chromium: set WS_BROWSER or run scripts/browser-test.sh");
    };
    let home = tempfile::tempdir().unwrap();
    let server = TestServer::echo();
    let mut command = ws_cmd(home.path());
    command.args([
        "session",
        &server.url(),
        "-j",
        "-f",
        "cols.svg",
        "-f",
        "cols.html",
    ]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session!");
    pty.next_prompt();
    let json = r#"{"items":[1,2],"deep":{"x":true}}"#;
    pty.line(&format!("text {json}"));
    server.wait_for("the JSON", |f| *f == Frame::Text(json.into()));
    pty.wait_screen("< ");
    pty.next_prompt();
    pty.line("byte hex:de ad be ef");
    server.wait_for("the bytes", |f| {
        *f == Frame::Binary(vec![0xde, 0xad, 0xbe, 0xef])
    });
    pty.wait_screen("|....|");
    pty.next_prompt();
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let (svg, html) = (home.path().join("cols.svg"), home.path().join("cols.html"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/browser-check.py");
    let output = Command::new("python3")
        .arg(script)
        .arg("--columns")
        .arg(&browser)
        .args([&svg, &html])
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "browser-check failed: {stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let rows = |page: &Path| report[page.to_str().unwrap()].as_array().unwrap().clone();
    let (svg_rows, html_rows) = (rows(&svg), rows(&html));
    let indents = |rows: &[Value]| -> Vec<(String, u64)> {
        rows.iter()
            .map(|r| {
                (
                    r["text"].as_str().unwrap().to_string(),
                    r["indent"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // The same indented rows: the JSON's and the hex dump's.
    assert_eq!(indents(&svg_rows), indents(&html_rows));
    assert!(
        svg_rows
            .iter()
            .any(|r| r["text"] == "\"x\": true" && r["indent"] == 4)
    );
    // Each row's characters advance by the font's width (about 0.6 em:
    // 8.4 px, 8.43 with DejaVu Sans Mono), spaces included; collapsed
    // spaces would bring the first visible character (and a hex dump's
    // |…| column) far to the left.
    for row in &svg_rows {
        let (indent, offset) = (
            row["indent"].as_f64().unwrap(),
            row["offset"].as_f64().unwrap(),
        );
        let advance = offset / indent;
        assert!(
            (advance - SVG_ADVANCE).abs() < 0.3,
            "SVG row drawn at {offset} px: {row}"
        );
        if let Some(bar) = row["bar_offset"].as_f64() {
            let column = row["bar"].as_f64().unwrap();
            assert!(
                (bar / column - advance).abs() < 0.05,
                "hex dump's | at {bar} px: {row}"
            );
        }
    }
    for row in &html_rows {
        let (indent, offset) = (
            row["indent"].as_f64().unwrap(),
            row["offset"].as_f64().unwrap(),
        );
        let advance = row["advance"].as_f64().unwrap();
        assert!(
            (offset - indent * advance).abs() < 1.0,
            "HTML row drawn at {offset} px: {row}"
        );
    }
}
