//! Receiving: `recv` and `expect` on a connection, how long they wait, and
//! what their timeouts say.

use std::time::Duration;

use rhai::Dynamic;

use super::super::assert::fail;
use super::super::diagnostics::{interrupted, runtime};
use super::{Context, Fallible, Greet, seconds_text};
use crate::connection::{Connection, Message, RecvError, closed_error};

impl Context {
    /// Counts a message of the session's connection taken by `recv` or
    /// `expect` (the record leaves it out of the `expect`s it writes).
    pub(super) fn count_taken(&self, connection: &Connection) {
        if self.is_session(connection) {
            self.taken.set(self.taken.get() + 1);
        }
    }

    /// The next message, greeting each new connection (`greet`) that opens
    /// while it waits.
    fn next_message(
        &self,
        connection: &Connection,
        wait: &Wait,
        greet: Greet<'_>,
    ) -> Fallible<Result<Message, RecvError>> {
        if connection.starved() {
            return Err(runtime(format!(
                "the receive queue is full (message_queue_bytes {}, message_queue_size {}) with messages of other connections that recv has not taken, so nothing more is read on this one; take them with recv on those connections, or raise message_queue_bytes",
                crate::console::render::format_size(self.settings.message_queue_bytes),
                self.settings.message_queue_size
            )));
        }
        let token = self.interrupt.token();
        let Some(greet) = greet else {
            return Ok(connection.recv_watching(wait.limit, &token, None));
        };
        loop {
            greet()?;
            let known = self.greeted.get();
            match connection.recv_watching(wait.limit, &token, Some(known)) {
                Err(RecvError::Reconnected) => {}
                received => return Ok(received),
            }
        }
    }

    pub(crate) fn recv(
        &self,
        connection: &Connection,
        wait: Wait,
        greet: Greet<'_>,
    ) -> Fallible<Dynamic> {
        let received = self.next_message(connection, &wait, greet)?;
        if received.is_ok() {
            self.count_taken(connection);
        }
        match received {
            Ok(message) => Ok(value_of(message)),
            Err(RecvError::Closed(_)) => Ok(Dynamic::UNIT),
            Err(RecvError::Interrupted | RecvError::Reconnected) => Err(interrupted()),
            Err(RecvError::Timeout(_)) => Err(runtime(format!(
                "recv: no message arrived within {}.{}",
                wait.describe("recv"),
                self.not_kept_hint()
            ))),
        }
    }

    pub(crate) fn expect(
        &self,
        connection: &Connection,
        pattern: &str,
        wait: Wait,
        greet: Greet<'_>,
    ) -> Fallible<Dynamic> {
        let message = match self.next_message(connection, &wait, greet)? {
            Ok(message) => message,
            Err(RecvError::Closed(info)) => {
                return Err(fail(format!(
                    "expect: the connection ended before a message containing {pattern:?} arrived ({})",
                    closed_error(&info)
                )));
            }
            Err(RecvError::Interrupted | RecvError::Reconnected) => return Err(interrupted()),
            Err(RecvError::Timeout(_)) => {
                return Err(fail(format!(
                    "expect: no message containing {pattern:?} arrived within {}.{}",
                    wait.describe("expect"),
                    self.not_kept_hint()
                )));
            }
        };
        self.count_taken(connection);
        let shown = match &message {
            Message::Text(text) => text.clone(),
            Message::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            // A decoded message is matched as it is shown.
            Message::Decoded(decoded) => decoded.summary.clone(),
        };
        let value = value_of(message);
        if shown.contains(pattern) {
            Ok(value)
        } else {
            Err(fail(format!(
                "expect: wanted a message containing {pattern:?}, got {shown:?}"
            )))
        }
    }

    /// In the session, why a message seen on the screen may not be there
    /// for `recv`, and how to wait for the next one.
    fn not_kept_hint(&self) -> &'static str {
        if self.interactive {
            " Messages shown while the prompt waits are not kept for recv; to wait for the next one, call recv on the line that triggers it, like text(\"hi\"); recv()."
        } else {
            ""
        }
    }
}

/// A message as a script holds it: a string, a blob, or for a decoded
/// message of an application protocol its map.
pub(crate) fn value_of(message: Message) -> Dynamic {
    match message {
        Message::Text(text) => text.into(),
        Message::Binary(bytes) => Dynamic::from_blob(bytes),
        Message::Decoded(decoded) => {
            rhai::serde::to_dynamic(&decoded.value).unwrap_or_else(|_| decoded.summary.into())
        }
    }
}

/// How long `recv` or `expect` waits, and where that limit comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wait {
    pub limit: Option<Duration>,
    /// Given as the function's argument (else the `response_timeout` setting).
    pub given: bool,
}

impl Wait {
    /// `0.5 s (the limit given to recv)` or `5 s (the response_timeout setting)`.
    pub(super) fn describe(&self, function: &str) -> String {
        let source = if self.given {
            format!("the limit given to {function}")
        } else {
            "the response_timeout setting".to_string()
        };
        format!("{} ({source})", seconds_text(self.limit))
    }
}
