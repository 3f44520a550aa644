//! Transcripts (`-f FILE`): the writers through the public API, then `ws run`
//! and `ws session` writing them. Every SVG and HTML file is read to its end
//! with quick-xml, so a test fails on anything that is not well-formed.

use std::collections::HashSet;
use std::path::Path;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use ws::{Console, Line, Role};

use crate::support::pty::Pty;
use crate::support::server::{Frame, TestServer};
use crate::support::{home, ws_cmd};

const HOSTILE: &str = "</svg><script>alert(1)</script> & \"q\" ]]>";

/// What a transcript in XML shows.
#[derive(Debug, Default)]
struct Doc {
    /// Every element's name, in document order.
    names: Vec<String>,
    /// The text of each row (SVG `<text>` in the rows' `<g>`, HTML `<div>`).
    rows: Vec<String>,
    /// Colour and boldness of each `<tspan>` or `<span>`.
    spans: Vec<(String, bool)>,
    /// The `height` of the root element.
    height: Option<usize>,
}

/// Reads an SVG or HTML transcript to its end; panics unless it is
/// well-formed with every element closed.
fn parse(xml: &str) -> Doc {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let (mut doc, mut open) = (Doc::default(), Vec::<String>::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                doc.element(&e, &open);
                open.push(e.name().as_ref().to_string());
            }
            Event::Empty(e) => doc.element(&e, &open),
            Event::End(_) => drop(open.pop()),
            Event::Text(e) => doc.text(&open, &e.xml10_content()),
            Event::GeneralRef(e) => {
                let text = match e.resolve_char_ref().expect("a character reference") {
                    Some(c) => c.to_string(),
                    None => resolve_predefined_entity(&e.xml10_content())
                        .expect("a known entity")
                        .to_string(),
                };
                doc.text(&open, &text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    doc
}

impl Doc {
    fn element(&mut self, e: &BytesStart, open: &[String]) {
        let name = e.name().as_ref().to_string();
        let attr = |key: &str| {
            let value = e.try_get_attribute(key).expect("well-formed attributes")?;
            let value = value.normalized_value(XmlVersion::Implicit1_0);
            Some(value.expect("an attribute value").into_owned())
        };
        if open.is_empty() {
            self.height = attr("height").and_then(|h| h.parse().ok());
        }
        if is_row(&name, open) {
            self.rows.push(String::new());
        }
        if let Some(fill) = attr("fill").filter(|_| name == "tspan") {
            let bold = attr("font-weight").as_deref() == Some("bold");
            self.spans.push((fill, bold));
        }
        if let Some(style) = attr("style").filter(|_| name == "span") {
            let colour = style.trim_start_matches("color:")[..7].to_string();
            self.spans
                .push((colour, style.contains("font-weight:bold")));
        }
        self.names.push(name);
    }

    /// Row text as a reader sees it: the SVG's non-breaking spaces (what
    /// keeps its columns in browsers) read as spaces.
    fn text(&mut self, open: &[String], text: &str) {
        if open.iter().any(|name| is_row(name, open)) {
            let row = self.rows.last_mut().expect("a row");
            row.push_str(&text.replace('\u{a0}', " "));
        }
    }

    fn colours(&self) -> HashSet<&str> {
        self.spans.iter().map(|(c, _)| c.as_str()).collect()
    }

    fn has_row(&self, row: &str) -> bool {
        self.rows.iter().any(|r| r == row)
    }
}

/// Whether an element named `name` under `open` is a row of the transcript.
fn is_row(name: &str, open: &[String]) -> bool {
    match name {
        "text" => open.iter().any(|n| n == "g"),
        "div" => open.iter().any(|n| n == "main"),
        _ => false,
    }
}

/// Lines in seven roles, hostile wire text and escape codes among them.
fn sample() -> Vec<Line> {
    vec![
        Line::of(Role::Success, "Welcome!"),
        Line::of(Role::Prompt, "ws> ").push(Role::Input, "text hi"),
        Line::of(Role::Outgoing, "> text ").push(Role::Plain, "hi   there"),
        Line::of(Role::Incoming, "< text ").push(Role::Plain, HOSTILE),
        Line::new(),
        Line::of(Role::Error, "closed\x1b[31m ").push(Role::Number, "1006"),
        Line::of(Role::Muted, "x".repeat(45)),
    ]
}

/// Writes the sample through a console into `dir/name`; returns the file.
fn write(dir: &Path, name: &str, width: usize) -> String {
    let path = dir.join(name);
    let console = Console::silent();
    console.add_sink(ws::transcript::open(&path, width).expect("open the transcript"));
    for line in sample() {
        console.out(line);
    }
    console.finish();
    console.finish();
    std::fs::read_to_string(&path).expect("the transcript")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn svg_and_html_are_well_formed_and_keep_wire_text_as_text() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["t.svg", "t.html"] {
        let file = write(dir.path(), name, 100);
        let doc = parse(&file);
        // The page's own filter is its one script; wire text never makes one.
        let scripts = doc.names.iter().filter(|n| *n == "script").count();
        assert_eq!(scripts, usize::from(name == "t.html"), "{name}: {file}");
        let own = file.rfind("<script>").map_or("", |at| &file[at..]);
        assert!(!own.contains("alert"), "{name}: {file}");
        assert!(doc.has_row(&format!("< text {HOSTILE}")), "{name}: {doc:?}");
        assert!(doc.has_row("ws> text hi") && doc.has_row("> text hi   there"));
        assert!(doc.has_row("closed\u{241b}[31m 1006"), "{name}: {doc:?}");
        assert!(doc.colours().len() >= 4, "{name}: {doc:?}");
        assert!(doc.spans.contains(&(Role::Error.rgb().into(), true)));
        assert!(doc.spans.contains(&(Role::Plain.rgb().into(), false)));
        assert!(!file.contains('\x1b'));
        let title = format!("<title>{name}</title>");
        assert!(file.contains(&title), "{name}");
    }
    let svg = write(dir.path(), "t.svg", 100);
    assert!(svg.contains("xml:space=\"preserve\""));
    // Runs of spaces survive in browsers only as non-breaking spaces.
    assert!(svg.contains(">hi\u{a0}\u{a0}\u{a0}there<"), "{svg}");
    assert!(!svg.contains("hi   there"), "{svg}");
    assert_eq!(
        files_in(dir.path()),
        ["t.html", "t.svg"],
        "no spool is left"
    );
}

#[test]
fn long_lines_wrap_at_the_width_in_the_pictures_and_stay_whole_in_text() {
    let dir = tempfile::tempdir().unwrap();
    let svg = parse(&write(dir.path(), "t.svg", 20));
    assert!(svg.rows.iter().any(|r| r == "< text </svg><script"));
    assert!(svg.rows.iter().any(|r| *r == "x".repeat(20)) && svg.rows.iter().any(|r| r == "xxxxx"));
    assert!(svg.rows.iter().all(|r| r.chars().count() <= 20), "{svg:?}");
    let html = parse(&write(dir.path(), "t.html", 20));
    assert_eq!(html.rows, svg.rows);
    // Plain text is for grep: every line whole, whatever the width.
    let text = write(dir.path(), "t.txt", 20);
    assert_eq!(text, write(dir.path(), "t.txt", 100));
    assert!(text.lines().any(|l| l == "x".repeat(45)), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("< text </svg><script") && l.chars().count() > 20)
    );
}

#[test]
fn plain_text_has_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    let text = write(dir.path(), "t.log", 100);
    assert!(!text.contains('\x1b'));
    assert!(text.starts_with("Welcome!\nws> text hi\n> text hi   there\n"));
    assert!(text.contains(&format!("< text {HOSTILE}\n\nclosed\u{241b}[31m 1006\n")));
}

#[test]
fn the_picture_grows_with_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let wide = parse(&write(dir.path(), "wide.svg", 100));
    let narrow = parse(&write(dir.path(), "narrow.svg", 20));
    assert!(narrow.rows.len() > wide.rows.len());
    assert!(narrow.height.unwrap() > wide.height.unwrap());
}

#[test]
fn lines_reach_the_disk_as_they_are_printed() {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::silent();
    for name in ["t.svg", "t.html", "t.txt"] {
        console.add_sink(ws::transcript::open(&dir.path().join(name), 80).unwrap());
    }
    console.say(Role::Info, "first line");
    for name in ["t.html", "t.txt"] {
        let written = std::fs::read_to_string(dir.path().join(name)).expect(name);
        assert!(written.contains("first line"), "{name}: {written:?}");
    }
    // The SVG's rows go to an unnamed spool: no file appears beside it.
    assert_eq!(files_in(dir.path()), ["t.html", "t.svg", "t.txt"]);
    console.finish();
    assert_eq!(files_in(dir.path()), ["t.html", "t.svg", "t.txt"]);
}

#[test]
fn a_missing_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["t.svg", "t.html", "t.txt"] {
        let path = dir.path().join("missing").join(name);
        let error = ws::transcript::open(&path, 80).err().expect("an error");
        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("create"), "{message}");
        assert!(message.contains("no such file or directory"), "{message}");
    }
}

#[test]
fn a_missing_directory_stops_a_command_before_it_connects() {
    let (server, home) = (TestServer::echo().allow_unused(), home());
    let output = ws_cmd(home.path())
        .args(["session", &server.url(), "-f", "no/such/dir/t.svg"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no/such/dir/t.svg"), "{stderr}");
    assert!(server.frames().is_empty());
}

#[test]
fn a_script_run_is_recorded_in_svg() {
    let (server, home) = (TestServer::echo(), home());
    let script = home.path().join("hostile.rhai");
    std::fs::write(
        &script,
        format!("text({HOSTILE:?});\nlet reply = recv();\nprint(`echoed ${{reply.len()}} characters`);\n"),
    )
    .unwrap();
    let status = ws_cmd(home.path())
        .args(["run", "hostile.rhai", &server.url(), "-f", "run.svg"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(server.texts(), [HOSTILE]);
    let doc = parse(&std::fs::read_to_string(home.path().join("run.svg")).unwrap());
    assert!(!doc.names.iter().any(|n| n == "script"));
    let received = doc.rows.iter().find(|r| r.starts_with('<'));
    assert!(received.is_some_and(|r| r.ends_with(HOSTILE)), "{doc:?}");
    let printed = format!("echoed {} characters", HOSTILE.len());
    assert!(doc.has_row(&printed), "{doc:?}");
    assert_eq!(files_in(home.path()), ["hostile.rhai", "run.svg"]);
}

/// A session on `server` recording to `file`, after `text hello transcript`
/// came back.
fn recorded_session(server: &TestServer, home: &Path, file: &str) -> Pty {
    let mut command = ws_cmd(home);
    command.args(["session", &server.url(), "-f", file]);
    let mut pty = Pty::spawn(command);
    pty.expect("Welcome to the interactive websocket session!");
    pty.line("text hello transcript");
    pty.expect("Sent 16 B");
    pty.wait_screen("hello transcript\n");
    server.wait_for("the text", |f| *f == Frame::Text("hello transcript".into()));
    pty
}

/// The parsed HTML transcript, with the rows every session shows.
fn session_page(home: &Path) -> Doc {
    let doc = parse(&std::fs::read_to_string(home.join("s.html")).unwrap());
    assert!(doc.has_row("Welcome to the interactive websocket session! 🌟"));
    assert!(doc.has_row("ws> text hello transcript"), "{doc:?}");
    let echo = doc.rows.iter().find(|r| r.starts_with("< text"));
    assert!(
        echo.is_some_and(|r| r.ends_with("hello transcript")),
        "{doc:?}"
    );
    assert!(doc.spans.contains(&(Role::Prompt.rgb().into(), true)));
    assert!(doc.colours().len() >= 4, "{doc:?}");
    doc
}

#[test]
fn a_session_transcript_is_complete_after_sigterm() {
    let (server, home) = (TestServer::echo(), home());
    let pty = recorded_session(&server, home.path(), "s.html");
    pty.signal(libc::SIGTERM);
    assert_eq!(pty.code(), 130);
    session_page(home.path());
}

#[test]
fn a_session_transcript_is_complete_after_a_server_close() {
    let (server, home) = (TestServer::echo(), home());
    let pty = recorded_session(&server, home.path(), "s.html");
    server.close(1000, "bye");
    assert_eq!(pty.code(), 0);
    let doc = session_page(home.path());
    let notice = doc.rows.last().unwrap();
    assert!(
        notice.contains("1000") && notice.ends_with("bye"),
        "{doc:?}"
    );
}

#[test]
fn a_coloured_session_writes_text_without_escape_codes() {
    let (server, home) = (TestServer::echo(), home());
    let mut command = ws_cmd(home.path());
    command
        .env_remove("NO_COLOR")
        .args(["session", &server.url(), "-f", "s.txt"]);
    let mut pty = Pty::spawn(command);
    pty.line("print(`six times seven is ${6 * 7}`)");
    pty.expect("six times seven is 42");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let text = std::fs::read_to_string(home.path().join("s.txt")).unwrap();
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("\nws> print(`six times seven is ${6 * 7}`)\n"));
    assert!(text.contains("\nsix times seven is 42\n"), "{text}");
    assert!(text.contains("\nws> quit\n"), "{text}");
}

#[test]
fn a_full_disk_is_reported_once_and_the_console_goes_on() {
    use crate::support::server::Action;
    let home = home();
    let mut actions: Vec<Action> = (0..50).map(|i| Action::text(&format!("m{i}"))).collect();
    actions.push(Action::close(1000, ""));
    let server = TestServer::scripted(actions);
    // /dev/full takes the open and refuses every write with "no space left".
    let output = ws_cmd(home.path())
        .args(["listen", &server.url(), "-f", "/dev/full"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let notices = stderr.matches("writing the transcript failed").count();
    assert_eq!(notices, 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(!stderr.contains("os error"), "{stderr}");
    assert_eq!(stdout.matches(" m").count(), 50, "{stdout}");
    assert!(stdout.contains(" m49"), "{stdout}");
}

#[test]
fn without_a_width_the_transcript_takes_the_terminals() {
    // The test terminal is 120 columns wide; the default without one is 100.
    let (server, home) = (TestServer::echo(), home());
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url(), "-f", "wide.txt"]);
    let mut pty = Pty::spawn(command);
    let long = "x".repeat(110);
    pty.line(&format!("print(\"{long}\")"));
    pty.expect(&long);
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    let text = std::fs::read_to_string(home.path().join("wide.txt")).unwrap();
    assert!(text.contains(&format!("\n{long}\n")), "{text}");
}

#[test]
fn a_session_transcript_is_complete_after_sighup_and_sigquit() {
    for signal in [libc::SIGHUP, libc::SIGQUIT] {
        let (server, home) = (TestServer::echo(), home());
        let pty = recorded_session(&server, home.path(), "s.svg");
        pty.signal(signal);
        assert_eq!(pty.code(), 130, "signal {signal}");
        assert_eq!(server.wait_close().0, 1001, "signal {signal}");
        let doc = parse(&std::fs::read_to_string(home.path().join("s.svg")).unwrap());
        assert!(doc.has_row("ws> text hello transcript"), "{doc:?}");
        let names = files_in(home.path());
        assert!(!names.iter().any(|n| n.contains("spool")), "{names:?}");
    }
}

#[test]
fn hostile_file_names_and_planted_links_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "untouched").unwrap();
    let name = "a\u{1b}[2J\u{7}<b>&.svg";
    for planted in [format!(".{name}.spool"), ".t.svg.spool".to_string()] {
        std::os::unix::fs::symlink(&victim, dir.path().join(planted)).unwrap();
    }
    for name in [name, "t.svg"] {
        let console = Console::silent();
        console.add_sink(ws::transcript::open(&dir.path().join(name), 80).unwrap());
        console.say(Role::Info, "a row");
        console.finish();
        let svg = std::fs::read_to_string(dir.path().join(name)).unwrap();
        assert!(parse(&svg).has_row("a row"), "{svg}");
        assert!(!svg.contains('\u{1b}') && !svg.contains('\u{7}'));
    }
    let svg = std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert!(
        svg.contains("<title>a\u{241b}[2J\u{2407}&lt;b&gt;&amp;.svg</title>"),
        "{svg}"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
}
