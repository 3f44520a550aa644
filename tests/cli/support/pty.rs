//! Drives a command in a pseudo-terminal, as a user at a keyboard would:
//! type lines and control keys, wait (with a timeout, never a fixed sleep)
//! for text on the screen, send signals, and read the exit status.

use crate::support::openpty::open_pty;
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any wait lasts before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(15);

/// The bytes shown, and how many prompts have opened (each sets the
/// window title before drawing itself).
#[derive(Default)]
struct Shown {
    bytes: Vec<u8>,
    prompts: usize,
    last_title: usize,
}

impl Shown {
    /// Prompts drawn: titles set, the last one counting once its prompt
    /// text is on the screen (rustyline is then reading keys in raw mode).
    fn drawn(&self) -> usize {
        let drawn = self.bytes[self.last_title..]
            .windows(PROMPT.len())
            .any(|w| w == PROMPT.as_bytes());
        if drawn {
            self.prompts
        } else {
            self.prompts.saturating_sub(1)
        }
    }
}

/// The session's prompt.
const PROMPT: &str = "ws> ";
/// What each prompt sends first: it names the window.
const TITLE: &[u8] = b"\x1b]0;";

type Screen = Arc<(Mutex<Shown>, Condvar)>;

/// A child process on a pseudo-terminal.
pub struct Pty {
    child: Child,
    input: File,
    screen: Screen,
    seen: usize,
    prompts: usize,
    /// While true, nothing is read from the terminal (as Ctrl+S does).
    paused: Arc<(Mutex<bool>, Condvar)>,
}

impl Pty {
    /// Starts `command` with a new pseudo-terminal as its controlling
    /// terminal and standard input, output and error.
    pub fn spawn(mut command: Command) -> Pty {
        let (master, slave) = open_pty().expect("openpty failed");
        let slave_fd = std::os::fd::AsRawFd::as_raw_fd(&slave);
        command
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                libc::setsid();
                libc::ioctl(slave_fd, libc::TIOCSCTTY as _, 0);
                Ok(())
            });
        }
        let child = command.spawn().expect("start the command in a pty");
        drop(command);
        let mut output = File::from(master.try_clone().unwrap());
        let mut answers = File::from(master.try_clone().unwrap());
        let screen: Screen = Arc::default();
        let sink = screen.clone();
        let paused: Arc<(Mutex<bool>, Condvar)> = Arc::default();
        let pause = paused.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let mut stopped = pause.0.lock().unwrap();
                while *stopped {
                    stopped = pause.1.wait(stopped).unwrap();
                }
                drop(stopped);
                let Ok(n) = output.read(&mut buf) else { break };
                if n == 0 {
                    break;
                }
                // Answer "where is the cursor?" as a terminal would; count
                // prompts by the window title each one sets.
                if buf[..n].windows(4).any(|w| w == b"\x1b[6n") {
                    let _ = answers.write_all(b"\x1b[1;1R");
                }
                let mut shown = sink.0.lock().unwrap();
                let start = shown.bytes.len().saturating_sub(TITLE.len() - 1);
                shown.bytes.extend_from_slice(&buf[..n]);
                let titles: Vec<usize> = shown.bytes[start..]
                    .windows(TITLE.len())
                    .enumerate()
                    .filter(|(_, w)| *w == TITLE)
                    .map(|(i, _)| start + i + TITLE.len())
                    .collect();
                if let Some(&last) = titles.last() {
                    shown.prompts += titles.len();
                    shown.last_title = last;
                }
                sink.1.notify_all();
            }
        });
        Pty {
            child,
            input: File::from(master),
            screen,
            seen: 0,
            prompts: 0,
            paused,
        }
    }

    /// Stops reading the terminal, as a user's Ctrl+S does: once the
    /// terminal's buffer is full, the program's writes to it block.
    pub fn pause(&self) {
        *self.paused.0.lock().unwrap() = true;
    }

    /// Reads the terminal again.
    pub fn resume(&self) {
        *self.paused.0.lock().unwrap() = false;
        self.paused.1.notify_all();
    }

    /// The process id of the command.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Types text (no Enter).
    pub fn send(&mut self, text: &str) {
        self.input.write_all(text.as_bytes()).unwrap();
        self.input.flush().unwrap();
    }

    /// Types a line and Enter at the next prompt not typed at yet.
    pub fn line(&mut self, text: &str) {
        self.at_prompt(&format!("{text}\r"));
    }

    /// Types text at the next prompt not typed at yet, once it is open
    /// (keys typed before it, with a Ctrl+C, are dropped by the terminal).
    pub fn at_prompt(&mut self, text: &str) {
        self.next_prompt();
        self.prompts += 1;
        self.send(text);
    }

    /// Ctrl+C.
    pub fn ctrl_c(&mut self) {
        self.send("\x03");
    }

    /// Ctrl+D at the prompt.
    pub fn ctrl_d(&mut self) {
        self.at_prompt("\x04");
    }

    /// Everything shown so far, without terminal escape sequences.
    pub fn screen(&self) -> String {
        strip_escapes(&String::from_utf8_lossy(
            &self.screen.0.lock().unwrap().bytes,
        ))
    }

    /// Waits until `needle` appears after what earlier waits consumed;
    /// returns the text up to and including it.
    pub fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        let (lock, ready) = &*self.screen;
        let mut shown = lock.lock().unwrap();
        loop {
            let text = strip_escapes(&String::from_utf8_lossy(&shown.bytes));
            if let Some(at) = text[self.seen.min(text.len())..].find(needle) {
                let end = self.seen + at + needle.len();
                let found = text[self.seen..end].to_string();
                self.seen = end;
                return found;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited {PATIENCE:?} for {needle:?}; the screen after the last match:\n{}",
                &text[self.seen.min(text.len())..]
            );
            shown = ready.wait_timeout(shown, left).unwrap().0;
        }
    }

    /// Waits until `needle` is anywhere on the screen (for output whose
    /// order against other output is not fixed); consumes nothing.
    pub fn wait_screen(&mut self, needle: &str) {
        let deadline = Instant::now() + PATIENCE;
        let (lock, ready) = &*self.screen;
        let mut shown = lock.lock().unwrap();
        while !self.screen_of(&shown).contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "waited for {needle:?}; screen:\n{}",
                self.screen_of(&shown)
            );
            shown = ready.wait_timeout(shown, left).unwrap().0;
        }
    }

    /// Waits until a prompt is open that nothing was typed at yet.
    pub fn next_prompt(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        let (lock, ready) = &*self.screen;
        let mut shown = lock.lock().unwrap();
        while shown.drawn() <= self.prompts {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no new prompt opened; screen:\n{}",
                self.screen_of(&shown)
            );
            shown = ready.wait_timeout(shown, left).unwrap().0;
        }
    }

    fn screen_of(&self, shown: &Shown) -> String {
        strip_escapes(&String::from_utf8_lossy(&shown.bytes))
    }

    /// Sends a signal to the process.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the process to end and returns its exit status.
    pub fn wait(mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the process did not end; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the end and returns the exit code (signals as 128 + n).
    pub fn code(self) -> i32 {
        let status = self.wait();
        status
            .code()
            .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Removes CSI and OSC escape sequences and carriage returns.
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for c in chars.by_ref() {
                        if c == '\u{7}' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}
