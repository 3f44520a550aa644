//! Sending: text, binary and JSON messages with their confirmations (and
//! both sizes on a compressed connection), pings, pongs and the close.

use std::time::Instant;

use rhai::{Blob, Dynamic, EvalAltResult};

use super::super::diagnostics::{runtime, to_rhai};
use super::{Context, Fallible, seconds_text};
use crate::connection::{Connection, Message};
use crate::console::render::{sent_line, sent_message_lines};
use crate::console::{Line, Role};

impl Context {
    /// Sends `message` as it is: a `file@` prefix is only honoured in what
    /// the user typed (see [`Context::command`]), never in a value.
    pub(crate) fn text(&self, connection: &Connection, message: &str) -> Fallible<()> {
        self.deliver(connection, Message::Text(message.to_string()))
    }

    /// Sends a data message: confirmed in the session (with the size on
    /// the wire when compression is on), shown when asked to.
    pub(super) fn deliver(&self, connection: &Connection, message: Message) -> Fallible<()> {
        let size = message.len();
        if self.interactive && connection.compression().is_some() {
            return self.deliver_measured(connection, message);
        }
        self.confirm_sent(connection, size)?;
        self.show_sent(|| message.clone());
        connection
            .send_message(message, &self.interrupt.token())
            .map_err(to_rhai)?;
        Ok(())
    }

    /// Sends on a compressed connection and says both sizes once the
    /// message is written; traffic meanwhile waits for the line.
    fn deliver_measured(&self, connection: &Connection, message: Message) -> Fallible<()> {
        self.count_sent();
        connection.check_open().map_err(to_rhai)?;
        self.show_sent(|| message.clone());
        let held = self.hold.as_ref().filter(|hold| hold.arm());
        let sent = connection.send_measured(message, &self.interrupt.token());
        if let Ok((size, on_wire)) = &sent {
            self.console.out(sent_line(*size, *on_wire));
        }
        if let Some(hold) = held {
            hold.release(&self.console);
        }
        sent.map(drop).map_err(to_rhai)
    }

    /// Sends a blob, or a string's bytes, as they are (no `file@`).
    pub(crate) fn byte(&self, connection: &Connection, payload: Dynamic) -> Fallible<()> {
        let bytes = if payload.is_blob() {
            payload.cast::<Blob>()
        } else if payload.is_string() {
            payload.to_string().into_bytes()
        } else {
            return Err(not_bytes(&payload));
        };
        self.send_bytes(connection, bytes)
    }

    pub(crate) fn send_bytes(&self, connection: &Connection, bytes: Vec<u8>) -> Fallible<()> {
        self.deliver(connection, Message::Binary(bytes))
    }

    /// A string as text, a blob as binary, a map or an array as JSON text.
    pub(crate) fn send(&self, connection: &Connection, value: Dynamic) -> Fallible<()> {
        if value.is_blob() {
            return self.byte(connection, value);
        }
        let text = if value.is_map() || value.is_array() {
            super::super::json::stringify(&value).map_err(runtime)?
        } else {
            value.to_string()
        };
        self.deliver(connection, Message::Text(text))
    }

    /// Shows a message about to be sent, when asked to (`show_sent`).
    fn show_sent(&self, message: impl FnOnce() -> Message) {
        if self.show_sent {
            let lines = sent_message_lines(&message(), std::time::SystemTime::now());
            self.console.emit_all(crate::console::Stream::Out, lines);
        }
    }

    /// In the session, says `Sent N of data over the wire.` before the
    /// message goes, so an echo never shows above it (a closed connection
    /// is refused first, so nothing false is said). Scripts send quietly
    /// and pay nothing here; the send itself refuses a closed connection.
    fn confirm_sent(&self, connection: &Connection, size: usize) -> Fallible<()> {
        self.count_sent();
        if self.interactive {
            connection.check_open().map_err(to_rhai)?;
            self.console.out(sent_line(size, None));
        }
        Ok(())
    }

    /// Counts a message or control frame about to be sent.
    fn count_sent(&self) {
        self.sent.set(self.sent.get() + 1);
    }

    pub(crate) fn ping(&self, connection: &Connection, payload: &str) -> Fallible<Dynamic> {
        crate::connection::check_control_payload(payload.len()).map_err(to_rhai)?;
        self.count_sent();
        self.confirm(
            Line::of(Role::Info, "PING ")
                .push(Role::Url, connection.url())
                .push(Role::Info, " with ")
                .push(Role::Number, payload.len().to_string())
                .push(Role::Info, " bytes of data"),
        );
        let timeout = self.settings.response_timeout;
        let rtt = connection
            .ping(
                payload.as_bytes().to_vec(),
                timeout,
                &self.interrupt.token(),
            )
            .map_err(to_rhai)?;
        match rtt {
            Some(rtt) => {
                self.confirm(
                    Line::of(Role::Info, "Took ")
                        .push(Role::Number, crate::console::render::millis(rtt))
                        .push(Role::Info, " to receive a PONG."),
                );
                Ok(rtt.as_secs_f64().into())
            }
            None => {
                self.console.out(Line::of(
                    Role::Warning,
                    format!(
                        "No PONG within {} (response_timeout).",
                        seconds_text(timeout)
                    ),
                ));
                Ok(Dynamic::UNIT)
            }
        }
    }

    pub(crate) fn pong(&self, connection: &Connection, payload: &str) -> Fallible<()> {
        let start = Instant::now();
        self.count_sent();
        connection
            .pong(payload.as_bytes().to_vec(), &self.interrupt.token())
            .map_err(to_rhai)?;
        self.confirm(
            Line::of(Role::Info, "Took ")
                .push(
                    Role::Number,
                    crate::console::render::millis(start.elapsed()),
                )
                .push(Role::Info, " to send the PONG."),
        );
        Ok(())
    }

    pub(crate) fn close(&self, connection: &Connection, code: u16, reason: &str) -> Fallible<()> {
        connection.close(code, reason).map_err(to_rhai)?;
        if self.is_session(connection) {
            self.confirm(Line::of(Role::Success, "Bye! 👋"));
            // Ending the session on purpose is a success, whatever the code.
            self.ended.set(Some(0));
        }
        Ok(())
    }
}

/// The type error of `byte(x)` for anything but a string or a blob.
fn not_bytes(value: &Dynamic) -> Box<EvalAltResult> {
    let hint = if value.is_int() {
        format!(
            " For the single byte {value}, write byte(from_hex(\"{:02x}\")); for the text, byte(\"{value}\").",
            value.as_int().unwrap_or_default() & 0xff
        )
    } else {
        " Convert it first, e.g. byte(to_json(x)) or byte(from_hex(\"de ad\")).".to_string()
    };
    runtime(format!(
        "byte expects a string or a blob, got {}.{hint}",
        article(value.type_name())
    ))
}

/// `an integer`, `a map`: the type as a sentence says it.
fn article(type_name: &str) -> String {
    let name = match type_name {
        "i64" | "i32" => "integer",
        "f64" | "f32" => "float",
        "bool" => "boolean",
        "()" => "unit ()",
        other => other.rsplit("::").next().unwrap_or(other),
    };
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}
