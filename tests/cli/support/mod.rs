//! Shared pieces of the integration tests: the `ws` binary in an isolated
//! environment, a pseudo-terminal driver and a recording server.

#![allow(dead_code)]

pub mod junit;
pub mod openpty;
pub mod pty;
pub mod server;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};

/// Sends `child` SIGINT (Ctrl+C) and waits for it to exit, for at most
/// [`pty::PATIENCE`]: past that it is killed and the test fails, saying
/// what was `still` going on.
pub fn interrupt(child: &mut Child, still: &str) -> ExitStatus {
    // SAFETY: kill(2) on the pid of our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let deadline = std::time::Instant::now() + pty::PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("{still} after Ctrl+C");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The `ws` binary with HOME, config and data directories of its own, no
/// colours and no `WS_*` settings from the caller's environment.
pub fn ws_cmd(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ws"));
    for (key, _) in std::env::vars() {
        if key.starts_with("WS_") || key.ends_with("_proxy") || key.ends_with("_PROXY") {
            command.env_remove(key);
        }
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .current_dir(home);
    command
}

/// Runs `ws ARGS…` with `stdin` as its standard input and waits for it. A
/// `ws` that ends before reading all of it is no write error here: the
/// test looks at what it printed.
pub fn ws_with_stdin(home: &Path, args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let mut command = ws_cmd(home);
    command.args(args);
    with_stdin(command, stdin)
}

/// Runs `command` with `stdin` as its standard input (what it does not
/// read is dropped) and returns what it printed.
pub fn with_stdin(mut command: Command, stdin: impl AsRef<[u8]>) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ws starts");
    let mut input = child.stdin.take().expect("a stdin pipe");
    let _ = input.write_all(stdin.as_ref());
    drop(input);
    child.wait_with_output().expect("ws ends")
}

/// A fresh temporary home directory.
pub fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

/// Standard error less the first line a client command writes, the one
/// that says what was negotiated (`Connected to …`): what is left is what
/// the test looks at.
pub fn errors(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    match text.strip_prefix("Connected to ") {
        Some(rest) => rest
            .split_once('\n')
            .map_or("", |(_, after)| after)
            .to_string(),
        None => text.into_owned(),
    }
}
