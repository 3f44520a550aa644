//! Every subcommand with hostile arguments: empty strings, huge
//! numbers, garbage, invalid URLs, missing files and unicode. Whatever the
//! input, `ws` ends by itself with status 0, 1, 2 or 130, and says what is
//! wrong in plain sentences: no panic, no backtrace, no debug dump. Every
//! URL here is invalid or points at a closed port on 127.0.0.1.

use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::support::{home, ws_cmd};

const DUMPS: [&str; 6] = [
    "panicked",
    "RUST_BACKTRACE",
    "Os {",
    "Error {",
    "Custom {",
    "kind: ",
];

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Hostile values for a URL argument.
fn urls() -> Vec<String> {
    let port = closed_port();
    vec![
        String::new(),
        " ".into(),
        "http://example.com".into(),
        "ws://".into(),
        "ws://[::1".into(),
        "ws://host:99999999999999999999/".into(),
        "ws://ünïcödé.example:80/".into(),
        "😀:😀".into(),
        ":".into(),
        ":0".into(),
        "\u{202e}ws://x:1".into(),
        format!("ws://127.0.0.1:{port}/{}", "a".repeat(100_000)),
        format!("ws://u:p@127.0.0.1:{port}/?q=\u{1}"),
        format!("wss://127.0.0.1:{port}/"),
    ]
}

/// Hostile values for the connection flags, each with a working closed URL.
fn connect_flags() -> Vec<Vec<String>> {
    let strings = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        strings(&["-H", ""]),
        strings(&["-H", ":"]),
        strings(&["-H", "X: \u{1}\u{7f}"]),
        strings(&["-H", "ünï: cödé"]),
        strings(&["--subprotocol", ""]),
        strings(&["--subprotocol", "a\u{1}b"]),
        strings(&["--origin", "\u{7}"]),
        strings(&["--auth", ""]),
        strings(&["--auth", "😀:😀"]),
        strings(&["--connect-timeout", "99999999999999999999"]),
        strings(&["--connect-timeout", "-1"]),
        strings(&["--connect-timeout", "NaN"]),
        strings(&["--connect-timeout", "inf"]),
        strings(&["--max-message-size", "99999999999999999999"]),
        strings(&["--max-message-size", "0"]),
        strings(&["--max-message-size", "1T"]),
        strings(&["--proxy", "socks5://127.0.0.1:1"]),
        strings(&["--proxy", "http://"]),
        strings(&["--proxy", "😀"]),
        strings(&["--proxy", ""]),
        strings(&["-k"]),
    ]
}

/// Runs `ws args…` with no input; kills it and fails if it hangs.
fn run(home: &Path, args: &[String], env: &[(&str, &str)]) -> Output {
    let mut command = ws_cmd(home);
    command
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            // SAFETY: kill(2) on the pid of our own child process.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            panic!("ws {} did not end by itself", show(args));
        }
    }
}

fn show(args: &[String]) -> String {
    args.iter()
        .map(|a| format!("{:?}", a.chars().take(40).collect::<String>()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What is wrong with one run, if anything.
fn problem(args: &[String], output: &Output) -> Option<String> {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let status = output.status.code();
    let dump = DUMPS.iter().find(|d| text.contains(*d));
    if matches!(status, Some(0 | 1 | 2 | 130)) && dump.is_none() {
        return None;
    }
    let tail: String = text.chars().take(400).collect();
    Some(format!("ws {}: status {status:?}: {tail}", show(args)))
}

fn check_all(home: &Path, runs: Vec<Vec<String>>, env: &[(&str, &str)]) {
    let problems: Vec<String> = runs
        .iter()
        .filter_map(|args| problem(args, &run(home, args, env)))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn with(command: &[&str], rest: &[String]) -> Vec<String> {
    command
        .iter()
        .map(|c| c.to_string())
        .chain(rest.iter().cloned())
        .collect()
}

#[test]
fn client_commands_with_hostile_urls() {
    let home = home();
    let mut runs = Vec::new();
    for url in urls() {
        for command in [
            &["session"][..],
            &["text"],
            &["byte"],
            &["ping"],
            &["pong"],
            &["listen"],
        ] {
            let mut args = with(command, std::slice::from_ref(&url));
            if matches!(command[0], "text" | "byte") {
                args.push("hello".into());
            }
            runs.push(args);
        }
        runs.push(with(&["run", "missing.rhai"], std::slice::from_ref(&url)));
    }
    check_all(home.path(), runs, &[]);
}

#[test]
fn client_commands_with_hostile_connection_flags() {
    let home = home();
    let script = home.path().join("ok.rhai");
    std::fs::write(&script, "print(1);\n").unwrap();
    let url = format!("ws://127.0.0.1:{}/", closed_port());
    let script = script.display().to_string();
    let mut runs = Vec::new();
    for flags in connect_flags() {
        runs.push(with(&["session", &url], &flags));
        runs.push(with(&["run", &script, &url], &flags));
        runs.push(with(&["text", &url, "x"], &flags));
        runs.push(with(&["ping", &url], &flags));
        runs.push(with(&["listen", &url], &flags));
        runs.push(with(&["config"], &flags));
    }
    check_all(home.path(), runs, &[]);
}

#[test]
fn command_options_with_hostile_values() {
    let home = home();
    let url = format!("ws://127.0.0.1:{}/", closed_port());
    let huge = "99999999999999999999";
    let garbage = "\u{1}\u{2}garbage\u{7f}ÿ";
    let runs: Vec<Vec<String>> = [
        vec!["ws"],
        vec![""],
        vec!["--nope"],
        vec!["session", &url, "-f", ""],
        vec!["session", &url, "--script", "/missing/file.rhai"],
        vec!["session", &url, "--terminal-width", huge],
        vec!["session", &url, "--terminal-width", "-3"],
        vec!["run", ""],
        vec!["run", "/"],
        vec!["run", "/missing.rhai", &url, "--", "", huge, garbage],
        vec!["run", "/missing.rhai", "--max-operations", huge],
        vec!["text", &url, "file@/missing/file"],
        vec!["text", &url, "file@"],
        vec!["byte", &url, "-"],
        vec!["text", &url, ""],
        vec!["ping", &url, "-n", huge],
        vec!["ping", &url, "-n", "-99999999999999999999"],
        vec!["ping", &url, "-i", "-1"],
        vec!["ping", &url, "-i", "NaN"],
        vec!["ping", &url, "-i", "1e308"],
        vec!["ping", &url, "-d", "inf"],
        vec!["ping", &url, "-m", &"x".repeat(200)],
        vec!["pong", &url, "-m", garbage, "-n", "0"],
        vec!["listen", &url, "-d", "-5"],
        vec!["listen", &url, "-d", "NaN", "-f", "/missing/dir/out.svg"],
        vec!["tail", "/missing/file"],
        vec!["tail", "/"],
        vec!["tail", "", "-n", huge],
        vec!["tail", garbage, "-n", "0"],
        vec!["echo-server", "-p", huge],
        vec!["echo-server", "-p", "-1"],
        vec!["echo-server", "--host", "ünï cödé", "-p", "0"],
        vec!["echo-server", "--host", "999.999.999.999", "-p", "0"],
        vec!["echo-server", "--cert-file", "/missing.pem"],
        vec![
            "echo-server",
            "--cert-file",
            "/missing.pem",
            "--key-file",
            "/missing.key",
            "-p",
            "0",
        ],
        vec!["echo-server", "--max-message-size", garbage, "-p", "0"],
        vec!["completion", ""],
        vec!["completion", "😀"],
        vec!["config", "--connect-timeout", ""],
        vec!["config", "-H", garbage],
    ]
    .iter()
    .map(|args| args.iter().map(|a| a.to_string()).collect())
    .collect();
    check_all(home.path(), runs, &[]);
}

#[test]
fn hostile_settings_in_the_environment_and_files() {
    let home = home();
    std::fs::write(home.path().join("ws.toml"), "\u{0}\u{1}[[[ not toml").unwrap();
    let runs = vec![
        vec!["config".to_string()],
        vec!["session".into(), ":1".into()],
        vec!["install-completion".into()],
    ];
    check_all(home.path(), runs.clone(), &[("SHELL", "/bin/ünïcödé")]);
    std::fs::remove_file(home.path().join("ws.toml")).unwrap();
    for (name, value) in [
        ("WS_CONNECT_TIMEOUT", "-0"),
        ("WS_RESPONSE_TIMEOUT", "infinity and beyond"),
        ("WS_MAX_MESSAGE_SIZE", "18446744073709551615G"),
        ("WS_EXTRA_HEADERS", "[[[["),
        ("WS_TLS_CA_FILE", "/missing.pem"),
        ("https_proxy", "😀"),
        ("SHELL", ""),
    ] {
        check_all(home.path(), runs.clone(), &[(name, value)]);
    }
}
