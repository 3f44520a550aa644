//! `--reconnect [N]` and `--preamble FILE` through the real binary, against
//! a server that ends each connection as planned (dropping it, or closing
//! with a code) and records what each connection received.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::support::pty::{PATIENCE, Pty};
use crate::support::server::serve_on_thread;
use crate::support::{home, ws_cmd};

/// How the server ends a connection once it has sent its greeting.
#[derive(Clone, Copy, Debug)]
enum Ending {
    /// Drop the TCP connection, no close frame.
    Drop,
    /// A close frame with this code (`None`: a close frame without one).
    Close(Option<u16>),
    /// Echo every message until the client goes.
    Echo,
}

/// The server: connection `n` (from 1) takes `plan[n-1].0` text messages,
/// sends `hello n`, then ends as planned; connections past the plan are
/// dropped before the handshake (so a client that wrongly reconnects
/// gives up after its attempts rather than hanging the test).
/// Each connection reports the texts it received when it ends.
struct Planned {
    address: SocketAddr,
    received: mpsc::Receiver<Vec<String>>,
    accepted: Arc<AtomicUsize>,
}

impl Planned {
    fn start(plan: Vec<(usize, Ending)>) -> Planned {
        let (tx, received) = mpsc::channel();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let address = serve_on_thread(move |listener| async move {
            while let Ok((stream, _)) = listener.accept().await {
                let n = count.fetch_add(1, Ordering::SeqCst) + 1;
                // Connections past the plan are refused before the handshake.
                let Some(&(take, ending)) = plan.get(n - 1) else {
                    continue;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                        return;
                    };
                    let _ = tx.send(serve(ws, n, take, ending).await);
                });
            }
        });
        Planned {
            address,
            received,
            accepted,
        }
    }

    fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.address.port())
    }

    /// What the next connection to end received.
    fn next(&self) -> Vec<String> {
        self.received
            .recv_timeout(PATIENCE)
            .expect("a connection ended")
    }
}

async fn serve(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    n: usize,
    take: usize,
    ending: Ending,
) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < take {
        match ws.next().await {
            Some(Ok(Message::Text(text))) => got.push(text.to_string()),
            Some(Ok(_)) => {}
            _ => return got,
        }
    }
    let _ = ws.send(Message::text(format!("hello {n}"))).await;
    match ending {
        Ending::Drop => drop(ws),
        Ending::Close(code) => {
            let frame = code.map(|code| CloseFrame {
                code: code.into(),
                reason: "planned".into(),
            });
            let _ = ws.close(frame).await;
            while let Some(Ok(_)) = ws.next().await {}
        }
        Ending::Echo => {
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = &message {
                    got.push(text.to_string());
                    let _ = ws.send(message).await;
                }
            }
        }
    }
    got
}

/// Runs `script` with `ws run URL --reconnect --preamble PREAMBLE` against a
/// server that sends `hello 1` on the first connection and `hello 2` on the
/// second; checks it ends well with both greetings received and `closed()`
/// false, and gives its standard output.
/// Runs `script` with `--reconnect` and `preamble`; `quiet` (`-q`) shows no
/// messages, so they go to `recv` without the events thread.
fn run_reconnecting(
    home: &std::path::Path,
    script: &str,
    url: &str,
    preamble: &str,
    quiet: bool,
) -> String {
    let path = home.join("s.rhai");
    std::fs::write(&path, script).unwrap();
    let out = ws_cmd(home)
        .args(["run", path.to_str().unwrap(), url, "--reconnect"])
        .args(["--preamble", preamble])
        .args(quiet.then_some("-q"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("hello 1 hello 2 closed=false"), "{stdout}");
    stdout
}

fn preamble(home: &std::path::Path) -> String {
    let path = home.join("auth.txt");
    std::fs::write(&path, "auth secret\n\nsubscribe news\n").unwrap();
    path.display().to_string()
}

#[test]
fn listen_reconnects_sends_the_preamble_each_time_and_loses_nothing() {
    let server = Planned::start(vec![
        (2, Ending::Drop),
        (2, Ending::Close(Some(1011))),
        (2, Ending::Close(Some(1000))),
    ]);
    let home = home();
    let auth = preamble(home.path());
    let out = ws_cmd(home.path())
        .args(["listen", &server.url(), "--reconnect", "--preamble", &auth])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let greetings: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.split_once("hello ").map(|(_, n)| n))
        .collect();
    assert_eq!(greetings, ["1", "2", "3"], "{stdout}");
    for _ in 0..3 {
        assert_eq!(server.next(), ["auth secret", "subscribe news"]);
    }
    // The second connection did not stay up reconnect_stable: one outage,
    // two attempts.
    assert!(
        stderr.contains("reconnected (attempt 1)\n")
            && stderr.contains("reconnected (attempt 2)\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("connection lost, reconnecting in ")
            && stderr.contains(
                "(attempt 2): the server closed the connection with code 1011 (planned)\n"
            ),
        "{stderr}"
    );
}

#[test]
fn a_server_that_drops_every_connection_is_given_up_on_after_the_attempts() {
    // Each connection opens and drops at once: opening is not a success
    // until it has stayed up reconnect_stable, so --reconnect 1 makes
    // exactly two connections, and the sentence says how each ended.
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    let address = serve_on_thread(move |listener| async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                drop(ws);
            }
        }
    });
    let home = home();
    let url = format!("ws://127.0.0.1:{}/", address.port());
    let out = ws_cmd(home.path())
        .args(["listen", &url, "--reconnect", "1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(accepted.load(Ordering::SeqCst), 2, "{stderr}");
    assert!(
        stderr.contains("gave up reconnecting after 1 attempt"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 connections made, none stayed up 5 s (reconnect_stable)"),
        "{stderr}"
    );
}

#[test]
fn reconnect_gives_up_after_the_attempts_given() {
    let address = serve_on_thread(move |listener| async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        ws.send(Message::text("only once")).await.unwrap();
        // The connection and then the listener go: every attempt is refused.
    });
    let home = home();
    let url = format!("ws://127.0.0.1:{}/", address.port());
    let out = ws_cmd(home.path())
        .args(["listen", &url, "--reconnect", "2"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("only once"));
    assert!(
        stderr.contains("(attempt 2): could not connect"),
        "{stderr}"
    );
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("ws: error: gave up reconnecting after 2 attempts: could not connect"),
        "{stderr}"
    );
}

#[test]
fn a_normal_close_or_one_without_a_code_is_never_reconnected() {
    for (code, status) in [(Some(1000), 0), (Some(1001), 0), (None, 1)] {
        let server = Planned::start(vec![(0, Ending::Close(code))]);
        let home = home();
        let out = ws_cmd(home.path())
            .args(["listen", &server.url(), "--reconnect", "1"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{code:?}: {stderr}");
        assert!(!stderr.contains("reconnect"), "{code:?}: {stderr}");
        server.next();
        assert_eq!(server.accepted.load(Ordering::SeqCst), 1, "{code:?}");
    }
}

#[test]
fn without_reconnect_a_drop_ends_the_command() {
    let server = Planned::start(vec![(1, Ending::Drop)]);
    let home = home();
    let auth = preamble(home.path());
    let out = ws_cmd(home.path())
        .args(["listen", &server.url(), "--preamble", &auth])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(server.next(), ["auth secret"]);
    assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
}

#[test]
fn pipe_goes_on_over_a_new_connection() {
    let server = Planned::start(vec![(3, Ending::Close(Some(1012))), (2, Ending::Echo)]);
    let home = home();
    let auth = preamble(home.path());
    let mut child = ws_cmd(home.path())
        .args(["pipe", &server.url(), "--reconnect", "--preamble", &auth])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    use std::io::Write;
    stdin.write_all(b"one\n").unwrap();
    assert_eq!(server.next(), ["auth secret", "subscribe news", "one"]);
    stdin.write_all(b"two\n").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        server.next(),
        ["auth secret", "subscribe news", "two"],
        "{stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "hello 1\nhello 2\ntwo\n"
    );
    assert!(stderr.contains("reconnected (attempt 1)"), "{stderr}");
}

#[test]
fn a_script_receives_on_the_new_connection_and_closed_stays_false() {
    let server = Planned::start(vec![(3, Ending::Drop), (2, Ending::Echo)]);
    let home = home();
    let auth = preamble(home.path());
    let stdout = run_reconnecting(
        home.path(),
        r#"text("x");
let a = recv(10);
let b = recv(10);
print(`${a} ${b} closed=${closed()}`);
"#,
        &server.url(),
        &auth,
        false,
    );
    assert!(stdout.contains("reconnected (attempt 1)"), "{stdout}");
    assert_eq!(server.next(), ["auth secret", "subscribe news", "x"]);
    assert_eq!(server.next(), ["auth secret", "subscribe news"]);
}

#[test]
fn the_session_keeps_its_scope_across_a_reconnect() {
    let server = Planned::start(vec![(3, Ending::Drop), (2, Ending::Echo)]);
    let home = home();
    let auth = preamble(home.path());
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url(), "--reconnect", "--preamble", &auth]);
    let mut pty = Pty::spawn(command);
    pty.line("let v = 41");
    pty.line("text x");
    pty.expect("reconnected (attempt 1)");
    pty.line("print(v + 1)");
    pty.expect("42");
    pty.line("text again");
    pty.expect("again");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    assert_eq!(server.next(), ["auth secret", "subscribe news", "x"]);
    assert_eq!(server.next(), ["auth secret", "subscribe news", "again"]);
}

#[test]
fn one_shots_neither_list_nor_take_reconnect_and_preamble() {
    let home = home();
    let auth = preamble(home.path());
    for command in ["text", "byte", "ping", "pong"] {
        let help = ws_cmd(home.path())
            .args([command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&help.stdout);
        assert!(help.contains("--connect-timeout"), "{help}");
        for flag in ["--reconnect", "--preamble"] {
            assert!(
                !help.contains(flag),
                "{command} --help lists {flag}: {help}"
            );
            let mut args = vec![command, "ws://127.0.0.1:9/", flag, &auth];
            if command == "text" || command == "byte" {
                args.insert(2, "hi");
            }
            let out = ws_cmd(home.path()).args(&args).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{command} {flag}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains(&format!("unexpected argument '{flag}'")),
                "{stderr}"
            );
        }
    }
}

#[test]
fn a_rhai_preamble_and_on_connect_greet_every_connection_of_a_script() {
    // Shown or not, the new connection's message comes after its greeting.
    for quiet in [false, true] {
        let server = Planned::start(vec![(3, Ending::Drop), (2, Ending::Echo)]);
        let home = home();
        let preamble = home.path().join("auth.rhai");
        std::fs::write(&preamble, r#"text("auth " + 6 * 7);"#).unwrap();
        run_reconnecting(
            home.path(),
            r#"fn on_connect() { text("subscribe"); }
text("x");
let a = recv(10);
let b = recv(10);
print(`${a} ${b} closed=${closed()}`);
"#,
            &server.url(),
            preamble.to_str().unwrap(),
            quiet,
        );
        assert_eq!(server.next(), ["auth 42", "subscribe", "x"]);
        assert_eq!(server.next(), ["auth 42", "subscribe"]);
    }
}

#[test]
fn on_connect_in_the_preamble_file_runs_first_on_every_connection() {
    let server = Planned::start(vec![(4, Ending::Drop), (3, Ending::Echo)]);
    let home = home();
    let preamble = home.path().join("auth.rhai");
    let text = "text(\"auth \" + 6 * 7);\nfn on_connect() { text(\"subscribe\"); }\n";
    std::fs::write(&preamble, text).unwrap();
    run_reconnecting(
        home.path(),
        r#"fn on_connect() { text("resume"); }
text("x");
let a = recv(10);
let b = recv(10);
print(`${a} ${b} closed=${closed()}`);
"#,
        &server.url(),
        preamble.to_str().unwrap(),
        true,
    );
    assert_eq!(server.next(), ["auth 42", "subscribe", "resume", "x"]);
    assert_eq!(server.next(), ["auth 42", "subscribe", "resume"]);
}

#[test]
fn the_session_greets_each_connection_with_the_preamble_and_on_connect() {
    let server = Planned::start(vec![(2, Ending::Drop), (2, Ending::Echo)]);
    let home = home();
    let preamble = home.path().join("auth.rhai");
    std::fs::write(&preamble, r#"text("auth");"#).unwrap();
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url(), "--reconnect"]);
    command.args(["--preamble", preamble.to_str().unwrap()]);
    let mut pty = Pty::spawn(command);
    pty.line(r#"fn on_connect() { text("sub") }"#);
    pty.line("text x");
    pty.expect("reconnected (attempt 1)");
    pty.expect("hello 2");
    pty.line("quit");
    assert_eq!(pty.code(), 0);
    assert_eq!(server.next(), ["auth", "x"]);
    assert_eq!(server.next(), ["auth", "sub"]);
}

#[test]
fn a_rhai_preamble_with_a_syntax_error_is_reported_before_connecting() {
    let home = home();
    let preamble = home.path().join("bad.rhai");
    std::fs::write(&preamble, "text(\"a\"").unwrap();
    let out = ws_cmd(home.path())
        .args(["run", "-", "ws://127.0.0.1:9/", "--preamble"])
        .arg(&preamble)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad.rhai"), "{stderr}");
    assert!(!stderr.contains("could not connect"), "{stderr}");
}

#[test]
fn a_bad_number_of_attempts_is_refused_by_name() {
    let home = home();
    let out = ws_cmd(home.path())
        .args(["listen", "ws://127.0.0.1:9/", "--reconnect", "many"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--reconnect") && stderr.contains("number of attempts"),
        "{stderr}"
    );
    let out = ws_cmd(home.path())
        .args(["config", "--reconnect"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("reconnect = \"inf\"  # flag --reconnect"),
        "{shown}"
    );
}
