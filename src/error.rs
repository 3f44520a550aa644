//! The library's error type. Each variant is a failure the user can act on,
//! and its message says what to do; [`Error::exit_status`] is the one table
//! from failure to exit status (0 success, 1 runtime failure, 2 bad usage,
//! 130 interrupted).

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong in `ws`. The variants carry what an
/// embedder acts on (a close code, what timed out and after how long, an
/// HTTP status); the message is the sentence `ws` shows its users.
///
/// ```
/// use std::time::Duration;
/// use ws::{ConnectOptions, Connection, EchoServer, Error};
///
/// let server = EchoServer::start()?;
/// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
/// let silence = connection.recv(Some(Duration::from_millis(20))).map_err(Error::from);
/// let Err(Error::Timeout { after, .. }) = silence else { panic!("{silence:?}") };
/// assert_eq!(after, Duration::from_millis(20));
/// # Ok::<(), ws::Error>(())
/// ```
///
/// ```
/// use ws::{ConnectOptions, Connection, Error};
///
/// let Err(error) = Connection::open("localhost", &ConnectOptions::default()) else { panic!() };
/// assert!(matches!(error, Error::InvalidUrl(_)));
/// assert_eq!(
///     error.to_string(),
///     "localhost is not a valid websocket url (use ws://host:port/path, wss://…, or :PORT)"
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text given as a URL is not a websocket URL.
    #[error("{0} is not a valid websocket url (use ws://host:port/path, wss://…, or :PORT)")]
    InvalidUrl(String),
    /// An `http://` or `https://` URL where a websocket URL belongs.
    #[error("{url} is an HTTP url; a websocket server is reached at {suggested}")]
    HttpUrl {
        /// The URL as given (without a password).
        url: String,
        /// The same address with `ws://` or `wss://`.
        suggested: String,
    },
    /// Bad usage that clap could not see (conflicting or malformed values).
    #[error("{0}")]
    Usage(String),
    /// A setting has a bad value: the message names the key, the source and what is allowed.
    #[error("{0}")]
    Settings(String),
    /// The TCP connection (or a proxy's tunnel) could not be opened, or
    /// the server did not answer the handshake as a websocket server.
    #[error("{0}")]
    Connect(String),
    /// The server refused the websocket upgrade with an HTTP answer.
    #[error("the server refused the websocket handshake with HTTP {status}{}{}", status_text(.reason), body_hint(.body))]
    Handshake {
        /// The HTTP status code, e.g. 404.
        status: u16,
        /// The status's reason phrase, e.g. `Not Found`, or empty.
        reason: String,
        /// Response headers, in order.
        headers: Vec<(String, String)>,
        /// Response body (lossy UTF-8), possibly empty.
        body: String,
    },
    /// A TLS configuration or handshake problem.
    #[error("{message}")]
    Tls {
        /// The server the handshake was with; `None` for a problem with
        /// the configuration (a certificate file, a key).
        host: Option<String>,
        /// What went wrong and what to do, as a sentence.
        message: String,
    },
    /// The connection failed while in use (protocol error, reset, or a
    /// connection that is already closed).
    #[error("{0}")]
    Connection(String),
    /// The server closed the connection with a code that is not a normal
    /// end (1000, 1001), or while a message was still wanted.
    #[error("the connection was closed by the server with code {code} ({meaning}){}", reason_suffix(.reason))]
    Closed {
        /// The close code (1005 when the close frame carried none).
        code: u16,
        /// The close reason, possibly empty.
        reason: String,
        /// What the code means, or why it is not valid to receive.
        meaning: String,
    },
    /// A wait ran out of time: `what` did not happen within `after`.
    #[error("{what} within {} s{hint}", .after.as_secs_f64())]
    Timeout {
        /// What did not happen, e.g. `no message arrived`.
        what: String,
        /// How long it was waited for.
        after: Duration,
        /// What to do about it (`; raise …`), or empty.
        hint: String,
    },
    /// A file could not be read or written.
    #[error("cannot {action} {}: {}", .path.display(), io_reason(.source))]
    File {
        /// What was attempted ("read", "write", "create").
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A Rhai script failed; the message is already rendered with its position.
    #[error("{0}")]
    Script(String),
    /// The script called `exit(n)`.
    #[error("the script exited with status {0}")]
    Exit(i32),
    /// Ctrl+C or SIGTERM stopped the command.
    #[error("interrupted")]
    Interrupted,
    /// Any other I/O failure, with what was being done.
    #[error("{context}: {}", io_reason(.source))]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: io::Error,
    },
}

fn status_text(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(" {reason}")
    }
}

fn body_hint(body: &str) -> String {
    if body.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", body.trim())
    }
}

/// `: reason`, or nothing for an empty close reason.
pub(crate) fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

/// An I/O error as a plain sentence fragment, never a debug dump.
pub fn io_reason(e: &io::Error) -> String {
    use io::ErrorKind::*;
    match e.kind() {
        NotFound => "no such file or directory".into(),
        PermissionDenied => "permission denied".into(),
        IsADirectory => "it is a directory".into(),
        _ => {
            let text = e.to_string();
            // Drop the " (os error N)" suffix std adds.
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}

impl Error {
    /// The process exit status for this error. Output to a closed pipe
    /// (`ws completion bash | head -1`) is a success, as in other tools.
    ///
    /// ```
    /// use ws::{Console, Session};
    ///
    /// let mut session = Session::builder().console(Console::silent()).build()?;
    /// let error = session.run_script("fails", r#"throw "no""#).unwrap_err();
    /// assert_eq!(error.exit_status(), 1);
    /// let exit = session.run_script("exits", "exit(3)").unwrap_err();
    /// assert_eq!(exit.exit_status(), 3);
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn exit_status(&self) -> i32 {
        match self {
            _ if self.is_broken_pipe() => 0,
            Error::InvalidUrl(_) | Error::HttpUrl { .. } | Error::Usage(_) => 2,
            Error::Exit(n) => *n,
            Error::Interrupted => 130,
            _ => 1,
        }
    }

    /// Whether this is standard output (or another pipe) closed by the
    /// reader; such an end is quiet.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }

    /// A shorthand for [`Error::File`].
    pub(crate) fn file(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::File {
            action,
            path: path.into(),
            source,
        }
    }

    /// A shorthand for [`Error::Tls`].
    pub(crate) fn tls(host: Option<String>, message: impl Into<String>) -> Self {
        Error::Tls {
            host,
            message: message.into(),
        }
    }

    /// A shorthand for [`Error::Io`].
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// The result type of this crate.
///
/// ```
/// fn echo_once(text: &str) -> ws::Result<ws::Message> {
///     let server = ws::EchoServer::start()?;
///     let connection = ws::Connection::open(&server.url(), &ws::ConnectOptions::default())?;
///     connection.send_text(text.into())?;
///     Ok(connection.recv(None)?) // a RecvError becomes an Error
/// }
/// assert_eq!(echo_once("hi")?, ws::Message::Text("hi".into()));
/// # Ok::<(), ws::Error>(())
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_follow_the_table() {
        assert_eq!(Error::InvalidUrl("x".into()).exit_status(), 2);
        assert_eq!(Error::Connect("x".into()).exit_status(), 1);
        let closed = Error::Closed {
            code: 4000,
            reason: "bye".into(),
            meaning: "private use".into(),
        };
        assert_eq!(closed.exit_status(), 1);
        assert_eq!(
            closed.to_string(),
            "the connection was closed by the server with code 4000 (private use): bye"
        );
        assert_eq!(Error::Exit(7).exit_status(), 7);
        assert_eq!(Error::Interrupted.exit_status(), 130);
    }

    #[test]
    fn io_errors_read_as_sentences() {
        let e = Error::file("read", "/nope", io::Error::from(io::ErrorKind::NotFound));
        assert_eq!(
            e.to_string(),
            "cannot read /nope: no such file or directory"
        );
    }
}
