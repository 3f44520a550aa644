//! Reconnecting after a connection breaks (`--reconnect [N]`, setting
//! `reconnect`) and the preamble sent after every connection
//! (`--preamble FILE`): the policy the client core ([`super::client`])
//! follows for every command that stays connected.
//!
//! When to try again: after an abnormal close by the server (any code but
//! 1000, 1001 and 1005) or a connection that broke (dropped, no pong within
//! the keepalive deadline, a peer that broke the protocol); never after a
//! close we asked for. How long to wait: exponential backoff with jitter,
//! the first attempt within a second, none more than 30 s after the one
//! before. When to give up: after N failed attempts in a row; the count
//! starts again only once a connection has stayed up `reconnect_stable`
//! seconds (default 5), so a server that accepts and drops every
//! connection is given up on; without N, never.

use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::close::{CloseInfo, Closer};
use crate::error::{Error, Result};

/// The longest wait between two attempts.
const CAP: Duration = Duration::from_secs(30);
/// The wait before the first attempt, before jitter.
const FIRST: Duration = Duration::from_millis(500);

/// How a client reconnects (`--reconnect [N]`, the `reconnect` setting):
/// after an abnormal close by the server or a broken connection, never
/// after a close of ours; waits with exponential backoff (the first
/// attempt within a second, none more than 30 s after the one before).
/// Set it in [`Settings::reconnect`](crate::Settings::reconnect).
///
/// ```
/// use ws::{Console, EchoServer, Message, Preamble, ReconnectSettings, Session, Settings};
///
/// let server = EchoServer::start()?;
/// let settings = Settings {
///     reconnect: Some(ReconnectSettings { attempts: Some(3) }),
///     preamble: Some(Preamble::Lines(vec!["hello".into()])), // sent on every connection
///     max_message_size: 32 << 20,
///     ..Settings::default()
/// };
/// let session = Session::builder().url(server.url()).settings(settings)
///     .console(Console::silent()).build()?;
/// let connection = session.connection().expect("connected");
/// assert_eq!(connection.recv(None)?, Message::Text("hello".into()));
/// // Over the server's 16 MiB limit: it closes with 1009, and a new connection opens.
/// let _ = connection.send_binary(vec![0; 17 << 20]);
/// assert_eq!(connection.recv(None)?, Message::Text("hello".into()));
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReconnectSettings {
    /// Failed attempts in a row before giving up; `None`: no limit.
    pub attempts: Option<u32>,
}

/// What is sent after every connection (`--preamble FILE`): set it in
/// [`Settings::preamble`](crate::Settings::preamble).
///
/// ```
/// use ws::{Console, EchoServer, Preamble, Session, Settings};
///
/// let server = EchoServer::start()?;
/// let preamble = Preamble::Lines(vec!["hello".into()]);
/// let settings = Settings { preamble: Some(preamble), ..Settings::default() };
/// let mut session = Session::builder().url(server.url()).settings(settings)
///     .console(Console::silent()).build()?;
/// // The echo of the preamble is the first message.
/// session.run_script("check", r#"if recv() != "hello" { throw "no echo" }"#)?;
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preamble {
    /// Text messages, one a line of the file (blank lines skipped).
    Lines(Vec<String>),
    /// A Rhai script (a file ending in `.rhai`), run by the console on
    /// each connection.
    Script {
        /// The file, for messages.
        path: PathBuf,
        /// Its text.
        text: String,
    },
}

impl Preamble {
    /// Reads a preamble file: a `.rhai` file is a script, anything else
    /// text lines (blank lines skipped).
    ///
    /// ```
    /// use ws::Preamble;
    ///
    /// let path = std::env::temp_dir().join(format!("ws-doc-{}-preamble.txt", std::process::id()));
    /// std::fs::write(&path, "login alice\n\nsubscribe news\n")?;
    /// let preamble = Preamble::load(&path)?;
    /// std::fs::remove_file(&path)?;
    /// assert_eq!(preamble.lines(), ["login alice", "subscribe news"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load(path: &Path) -> Result<Preamble> {
        let text =
            crate::bounded::read_config_text(path).map_err(|e| Error::file("read", path, e))?;
        if path.extension().is_some_and(|e| e == "rhai") {
            return Ok(Preamble::Script {
                path: path.to_path_buf(),
                text,
            });
        }
        let lines = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_string)
            .collect();
        Ok(Preamble::Lines(lines))
    }

    /// The text messages of a preamble of lines (none for a script).
    ///
    /// ```
    /// use ws::Preamble;
    ///
    /// assert_eq!(Preamble::Lines(vec!["hi".into()]).lines(), ["hi"]);
    /// let script = Preamble::Script { path: "hello.rhai".into(), text: r#"text("hi")"#.into() };
    /// assert!(script.lines().is_empty());
    /// ```
    pub fn lines(&self) -> &[String] {
        match self {
            Preamble::Lines(lines) => lines,
            Preamble::Script { .. } => &[],
        }
    }
}

/// Whether a connection that ended so is worth another attempt: an
/// abnormal close by the peer or a broken connection. 1000, 1001 and 1005
/// (a close frame without a code) are normal ends; a close of ours never
/// retries.
pub fn retries(info: &CloseInfo) -> bool {
    match info.by {
        Closer::Dropped => true,
        Closer::Peer => !matches!(info.code, 1000 | 1001 | 1005),
        Closer::Us => false,
    }
}

/// How a connection was lost, in a few words.
pub(crate) fn lost(info: &CloseInfo) -> String {
    if info.by == Closer::Dropped {
        return info
            .error
            .clone()
            .unwrap_or_else(|| "the connection was dropped".into());
    }
    let mut text = format!("the server closed the connection with code {}", info.code);
    for note in [&info.reason, info.error.as_ref().unwrap_or(&String::new())] {
        if !note.is_empty() {
            text.push_str(&format!(" ({note})"));
        }
    }
    text
}

/// One attempt about to be made, for the user.
#[derive(Clone, Debug)]
pub struct Retry {
    /// The attempt's number in this outage, from 1.
    pub attempt: u32,
    /// The wait before it.
    pub wait: Duration,
    /// Why: how the connection was lost, or how the last attempt failed.
    pub why: String,
}

impl Retry {
    /// `connection lost, reconnecting in 0.4 s (attempt 1): …why`, then
    /// `reconnecting in 0.8 s (attempt 2): …why the last one failed`.
    pub fn notice(&self) -> String {
        let lost = if self.attempt == 1 {
            "connection lost, "
        } else {
            ""
        };
        format!(
            "{lost}reconnecting in {:.1} s (attempt {}): {}",
            self.wait.as_secs_f64(),
            self.attempt,
            self.why
        )
    }
}

/// The attempts of one client: the backoff of the current outage, the
/// limit, and how the connections of the outage ended. A connection
/// counts as a success only once it has stayed up `stable` (as
/// reconnecting-websocket's `minUptime`): a server that accepts and drops
/// at once is an outage that goes on, not a string of successes.
#[derive(Debug)]
pub(crate) struct Attempts {
    /// Failed attempts in a row before giving up; `None`: no limit.
    limit: Option<u32>,
    stable: Duration,
    made: u32,
    /// How each connection of the outage ended, and after how long.
    ended: Vec<(String, Duration)>,
}

/// How many endings the give-up sentence names (the latest).
const ENDINGS_SHOWN: usize = 5;

impl Attempts {
    pub(crate) fn new(settings: ReconnectSettings, stable: Duration) -> Attempts {
        Attempts {
            limit: settings.attempts,
            stable,
            made: 0,
            ended: Vec::new(),
        }
    }

    /// A connection ended after being up `uptime`: a stable one ends the
    /// outage (the count starts again), any other is part of it.
    pub(crate) fn connection_ended(&mut self, info: &CloseInfo, uptime: Duration) {
        if uptime >= self.stable {
            self.made = 0;
            self.ended.clear();
        }
        self.ended.push((lost(info), uptime));
    }

    /// The next attempt and the wait before it, or `None` once the limit
    /// is spent.
    pub(crate) fn next(&mut self) -> Option<(u32, Duration)> {
        if self.limit.is_some_and(|limit| self.made >= limit) {
            return None;
        }
        self.made += 1;
        Some((self.made, backoff(self.made, jitter())))
    }

    /// The end for giving up, naming the last failure and how the
    /// connections of the outage ended.
    pub(crate) fn give_up(&self, last: &str) -> CloseInfo {
        let plural = |n: usize, word: &str| match n {
            1 => format!("1 {word}"),
            n => format!("{n} {word}s"),
        };
        let mut text = format!(
            "gave up reconnecting after {}: {last}",
            plural(self.made as usize, "attempt")
        );
        if !self.ended.is_empty() {
            let shown = self.ended.len().saturating_sub(ENDINGS_SHOWN);
            let endings: Vec<String> = self.ended[shown..]
                .iter()
                .map(|(how, uptime)| format!("{how} after {:.1} s", uptime.as_secs_f64()))
                .collect();
            text.push_str(&format!(
                "; {} made, none stayed up {} s (reconnect_stable): {}",
                plural(self.ended.len(), "connection"),
                self.stable.as_secs_f64(),
                endings.join("; ")
            ));
        }
        CloseInfo::dropped(text)
    }
}

/// The wait before attempt `n` (from 1): half a second doubled each time,
/// at most 30 s, times `jitter` (0.5 to 1).
fn backoff(n: u32, jitter: f64) -> Duration {
    let doubled = FIRST.saturating_mul(1 << n.saturating_sub(1).min(16));
    doubled.min(CAP).mul_f64(jitter)
}

/// A factor from 0.5 to 1, different on each call.
fn jitter() -> f64 {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    0.5 + (random % 1001) as f64 / 2000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(by: Closer, code: u16) -> CloseInfo {
        CloseInfo {
            by,
            code,
            reason: String::new(),
            error: None,
        }
    }

    #[test]
    fn the_first_retry_is_within_a_second_and_none_past_30_s() {
        assert!(backoff(1, 1.0) <= Duration::from_secs(1));
        assert_eq!(backoff(2, 1.0), Duration::from_secs(1));
        assert_eq!(backoff(3, 0.5), Duration::from_secs(1));
        assert_eq!(backoff(40, 1.0), CAP);
        for _ in 0..100 {
            assert!((0.5..=1.0).contains(&jitter()));
        }
    }

    #[test]
    fn only_abnormal_ends_retry() {
        assert!(retries(&end(Closer::Dropped, 1006)));
        assert!(retries(&end(Closer::Dropped, 1011)));
        assert!(retries(&end(Closer::Peer, 1011)));
        assert!(retries(&end(Closer::Peer, 4000)));
        for normal in [1000, 1001, 1005] {
            assert!(!retries(&end(Closer::Peer, normal)), "{normal}");
        }
        assert!(!retries(&end(Closer::Us, 1000)));
        assert!(!retries(&end(Closer::Us, 1011)));
    }

    #[test]
    fn the_limit_counts_attempts_in_a_row() {
        let stable = Duration::from_secs(5);
        let mut attempts = Attempts::new(ReconnectSettings { attempts: Some(2) }, stable);
        assert_eq!(attempts.next().map(|n| n.0), Some(1));
        assert_eq!(attempts.next().map(|n| n.0), Some(2));
        assert!(attempts.next().is_none());
        let end = attempts.give_up("could not connect");
        assert_eq!(
            end.error.as_deref(),
            Some("gave up reconnecting after 2 attempts: could not connect")
        );
        let mut unlimited = Attempts::new(ReconnectSettings { attempts: None }, stable);
        assert!((0..100).all(|_| unlimited.next().is_some()));
    }

    #[test]
    fn a_preamble_is_lines_or_a_script() {
        let dir = std::env::temp_dir().join(format!("ws-preamble-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("auth.txt");
        std::fs::write(&text, "auth x\n\n  \nsubscribe y\n").unwrap();
        assert_eq!(
            Preamble::load(&text).unwrap().lines(),
            ["auth x", "subscribe y"]
        );
        let script = dir.join("auth.rhai");
        std::fs::write(&script, "text(\"x\");").unwrap();
        assert!(matches!(
            Preamble::load(&script).unwrap(),
            Preamble::Script { .. }
        ));
        assert!(Preamble::load(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
