//! `ws session` in a pseudo-terminal, timed from spawn to its first prompt.

use std::fs::File;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../tests/cli/support/openpty.rs"]
mod openpty;
use openpty::open_pty;

/// What the session writes right before each prompt: the window title.
const BEFORE_PROMPT: &[u8] = b"\x1b]0;ws session\x07";

/// Starts `ws session` (no URL: the embedded echo server) on a new
/// terminal and returns how long it took to reach its prompt.
pub fn time_to_prompt(ws: &str, home: &Path) -> Result<Duration, String> {
    let (master, slave) = open_pty().map_err(|e| format!("openpty: {e}"))?;
    let io = |fd: &OwnedFd| fd.try_clone().map(Stdio::from).map_err(|e| e.to_string());
    let mut command = Command::new(ws);
    command
        .arg("session")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_DATA_HOME", home)
        .env("TERM", "xterm-256color")
        .stdin(io(&slave)?)
        .stdout(io(&slave)?)
        .stderr(io(&slave)?);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {ws}: {e}"))?;
    drop(slave);
    let mut reader = File::from(master);
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    let result = loop {
        match reader.read(&mut buffer) {
            Ok(0) | Err(_) => break Err(format!("ws session ended before its prompt: {seen:?}")),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
        }
        if seen
            .windows(BEFORE_PROMPT.len())
            .any(|w| w == BEFORE_PROMPT)
        {
            break Ok(start.elapsed());
        }
    };
    // SAFETY: a plain signal to our own child.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    // Keep draining so the child never blocks on a full terminal.
    std::thread::spawn(move || while matches!(reader.read(&mut buffer), Ok(n) if n > 0) {});
    let _ = child.wait();
    result
}
