//! A bound on every line read: an endless line on standard input reaches
//! `ws replay`, `ws tail -` and a session reading piped input, each run with
//! its address space capped at 512 MiB while 1 GiB of one line streams in; each
//! ends (or goes on) with a sentence instead of growing until it dies.
//! And durations below a millisecond are refused.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output, Stdio};

use crate::support::server::{Frame, TestServer};
use crate::support::{home, ws_cmd};

/// The address space `ws` gets: far less than the line.
const CEILING: u64 = 512 << 20;
/// The endless line: 1 GiB of `x`.
const LINE: u64 = 1 << 30;

/// Runs `command` capped at [`CEILING`], with `before`, then [`LINE`] bytes
/// of one line, then `after` on its standard input.
fn with_endless_line(mut command: Command, before: &[u8], after: &[u8]) -> Output {
    // SAFETY: setrlimit(2) between fork and exec, on the child only.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: CEILING,
                rlim_max: CEILING,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .env("WS_MAX_MESSAGE_SIZE", "1K")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let (before, after) = (before.to_vec(), after.to_vec());
    let writer = std::thread::spawn(move || {
        let block = vec![b'x'; 1 << 20];
        let _ = stdin.write_all(&before);
        for _ in 0..LINE / block.len() as u64 {
            if stdin.write_all(&block).is_err() {
                return;
            }
        }
        let _ = stdin.write_all(&after);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn replay_refuses_an_endless_line_as_a_broken_recording() {
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(["replay", "-", "--no-wait"]);
    let out = with_endless_line(command, b"first line\n", b"\nnever shown\n");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "first line\n");
    assert_eq!(
        text(&out.stderr),
        format!(
            "ws: error: cannot read -: line 2 is {LINE} bytes long, over max_message_size (1024 bytes)\n"
        )
    );
}

#[test]
fn tail_shows_an_endless_line_cut_with_the_length_it_had() {
    let home = home();
    let mut command = ws_cmd(home.path());
    command.args(["tail", "-n", "2", "-"]);
    let out = with_endless_line(command, b"a\nb\n", b"\nlast\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let want = format!(
        "{}\u{2026} [cut: the line is {LINE} bytes long]\nlast\n",
        "x".repeat(1024)
    );
    assert_eq!(text(&out.stdout), want);
}

#[test]
fn a_session_on_piped_input_refuses_an_endless_line_and_goes_on() {
    let (server, home) = (TestServer::echo(), home());
    let mut command = ws_cmd(home.path());
    command.args(["session", &server.url()]);
    let out = with_endless_line(command, b"text before\n", b"\ntext after\n");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "ws: error: line 2 is {LINE} bytes long, over max_message_size (1024 bytes) of standard input; it was not run"
        )),
        "{stderr}"
    );
    server.wait_gone();
    let texts: Vec<Frame> = server
        .frames()
        .into_iter()
        .filter(|f| matches!(f, Frame::Text(_)))
        .collect();
    assert_eq!(
        texts,
        [Frame::Text("before".into()), Frame::Text("after".into())]
    );
}

#[test]
fn durations_below_a_millisecond_are_refused_and_numbers_shown_as_typed() {
    let home = home();
    let run = |args: &[&str]| {
        let out = ws_cmd(home.path()).args(args).output().unwrap();
        (out.status.code(), text(&out.stderr))
    };
    let (code, stderr) = run(&["listen", ":9", "--ping-interval", "1e-300"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("ping_interval = \"1e-300\" (flag --ping-interval) is not allowed: use a number of seconds from 0.001"),
        "{stderr}"
    );
    let (code, stderr) = run(&["ping", ":9", "-i", "0.0001"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--interval 0.0001 is not a duration"),
        "{stderr}"
    );
    let (code, stderr) = run(&["replay", "-", "--speed=-1e308"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("--speed -1e308 is not a speed"), "{stderr}");
    assert!(stderr.len() < 200, "{stderr}");
    // 0 still means "at once" where it can.
    let out = ws_cmd(home.path())
        .env("WS_LINGER", "0")
        .arg("config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = ws_cmd(home.path())
        .env("WS_LINGER", "0.0005")
        .arg("config")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}
