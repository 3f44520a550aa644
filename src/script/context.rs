//! What every session function works on: the console, the settings, the
//! interrupt flag and the connections. Each command is implemented once
//! here, on a given connection; `api.rs` binds these to Rhai names and the
//! plain-command path calls them with string arguments.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rhai::{Blob, Dynamic, EvalAltResult};

use super::commands;
use super::diagnostics::{interrupted, runtime, to_rhai};
use super::save::Record;
use crate::connection::{Connection, Message, RecvError, closed_error};
use crate::console::render::{sent_line, sent_line_compressed, sent_message_lines};
use crate::console::traffic::{TrafficView, observer};
use crate::console::{Console, Line, Role};
use crate::error::Error;
use crate::settings::Settings;

pub(crate) type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// The state the session functions share.
pub(crate) struct Context {
    pub console: Console,
    pub settings: Settings,
    pub interrupt: Arc<AtomicBool>,
    /// Print confirmations (`Sent …`, `PING …`) as the session does.
    pub interactive: bool,
    pub json: bool,
    /// Show each message sent as `> text TIME content` (test transcripts).
    pub show_sent: bool,
    session: RefCell<Option<Connection>>,
    opened: RefCell<Vec<Connection>>,
    /// Set when `close` or `quit` ends the session, with its exit status.
    pub ended: Cell<Option<i32>>,
    /// What the session did, for `save` (filled in the session only).
    pub record: Arc<Mutex<Record>>,
    /// Messages and control frames sent so far, on any connection.
    pub sent: Cell<u64>,
    /// Messages of the session's connection taken by `recv` or `expect`.
    pub taken: Cell<usize>,
    /// Connections of the session's URL greeted so far (see [`super::hooks`]).
    pub greeted: Cell<u64>,
    /// The `.rhai` preamble, if any.
    pub preamble: std::cell::OnceCell<super::hooks::ScriptPreamble>,
    /// Holds the session's traffic while a send waits for its size on the
    /// wire, so an echo never shows above the `Sent …` line.
    pub hold: Option<crate::console::traffic::Hold>,
    /// Show keepalive pings and pongs (`--verbose`).
    pub verbose: bool,
}

/// Greets a new connection before a wait (see [`super::hooks`]); `None`
/// for connections that have no greeting.
pub(crate) type Greet<'a> = Option<&'a dyn Fn() -> Fallible<()>>;

impl Context {
    pub(crate) fn new(console: Console, settings: Settings, interactive: bool, json: bool) -> Self {
        Self {
            console,
            settings,
            interrupt: Arc::new(AtomicBool::new(false)),
            interactive,
            json,
            show_sent: false,
            session: RefCell::new(None),
            opened: RefCell::new(Vec::new()),
            ended: Cell::new(None),
            record: Arc::default(),
            sent: Cell::new(0),
            taken: Cell::new(0),
            greeted: Cell::new(0),
            preamble: std::cell::OnceCell::new(),
            hold: None,
            verbose: false,
        }
    }

    pub(crate) fn set_session(&self, connection: Connection) {
        *self.session.borrow_mut() = Some(connection);
    }

    pub(crate) fn session_connection(&self) -> Option<Connection> {
        self.session.borrow().clone()
    }

    /// The session's connection, or an error when there is none.
    pub(crate) fn session(&self) -> Fallible<Connection> {
        self.session_connection().ok_or_else(|| {
            runtime("there is no connection: give a URL, or open one with connect(url)")
        })
    }

    /// The wait of `recv()` and `expect(p)` without a limit: the setting.
    pub(crate) fn setting_wait(&self) -> Wait {
        Wait {
            limit: self.settings.response_timeout,
            given: false,
        }
    }

    fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed)
    }

    fn confirm(&self, line: Line) {
        if self.interactive {
            self.console.out(line);
        }
    }

    fn is_session(&self, connection: &Connection) -> bool {
        self.session
            .borrow()
            .as_ref()
            .is_some_and(|s| s.same(connection))
    }

    /// Every connection still open, the session's first.
    pub(crate) fn open_connections(&self) -> Vec<Connection> {
        let session = self.session_connection();
        session
            .into_iter()
            .chain(self.opened.borrow().iter().cloned())
            .filter(|c| c.close_info().is_none())
            .collect()
    }

    /// Closes every open connection with `code` (end of a script, Ctrl+C).
    pub(crate) fn close_all(&self, code: u16) {
        for connection in self.open_connections() {
            let _ = connection.close(code, "");
        }
    }

    // ---- the commands ---------------------------------------------------

    /// Sends `message` as it is: a `file@` prefix is only honoured in what
    /// the user typed (see [`Context::command`]), never in a value.
    pub(crate) fn text(&self, connection: &Connection, message: &str) -> Fallible<()> {
        self.deliver(connection, Message::Text(message.to_string()))
    }

    /// Sends a data message: confirmed in the session (with the size on
    /// the wire when compression is on), shown when asked to.
    fn deliver(&self, connection: &Connection, message: Message) -> Fallible<()> {
        let size = match &message {
            Message::Text(text) => text.len(),
            Message::Binary(bytes) => bytes.len(),
        };
        if self.interactive && connection.compression().is_some() {
            return self.deliver_measured(connection, message);
        }
        self.confirm_sent(connection, size)?;
        self.show_sent(|| message.clone());
        match message {
            Message::Text(text) => connection.send_text(text),
            Message::Binary(bytes) => connection.send_binary(bytes),
        }
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
        let sent = connection.send_measured(message);
        if let Ok((size, on_wire)) = &sent {
            self.console.out(match on_wire {
                Some(on_wire) => sent_line_compressed(*size, *on_wire),
                None => sent_line(*size),
            });
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
            super::json::stringify(&value).map_err(runtime)?
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
            self.console.out(sent_line(size));
        }
        Ok(())
    }

    /// Counts a message or control frame about to be sent.
    fn count_sent(&self) {
        self.sent.set(self.sent.get() + 1);
    }

    /// Counts a message of the session's connection taken by `recv` or
    /// `expect` (the record leaves it out of the `expect`s it writes).
    fn count_taken(&self, connection: &Connection) {
        if self.is_session(connection) {
            self.taken.set(self.taken.get() + 1);
        }
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
            .ping(payload.as_bytes().to_vec(), timeout, &self.interrupt)
            .map_err(to_rhai)?;
        match rtt {
            Some(rtt) => {
                self.confirm(
                    Line::of(Role::Info, "Took ")
                        .push(Role::Number, format!("{:.2}s", rtt.as_secs_f64()))
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
            .pong(payload.as_bytes().to_vec())
            .map_err(to_rhai)?;
        self.confirm(
            Line::of(Role::Info, "Took ")
                .push(
                    Role::Number,
                    format!("{:.2}s", start.elapsed().as_secs_f64()),
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

    /// The next message, greeting each new connection (`greet`) that opens
    /// while it waits.
    fn next_message(
        &self,
        connection: &Connection,
        wait: &Wait,
        greet: Greet<'_>,
    ) -> Fallible<Result<Message, RecvError>> {
        let Some(greet) = greet else {
            return Ok(connection.recv(wait.limit, &self.interrupt));
        };
        loop {
            greet()?;
            let known = self.greeted.get();
            match connection.recv_watching(wait.limit, &self.interrupt, known) {
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
            Ok(Message::Text(text)) => Ok(text.into()),
            Ok(Message::Binary(bytes)) => Ok(Dynamic::from_blob(bytes)),
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
                return Err(runtime(format!(
                    "expect: the connection ended before a message containing {pattern:?} arrived ({})",
                    closed_error(&info)
                )));
            }
            Err(RecvError::Interrupted | RecvError::Reconnected) => return Err(interrupted()),
            Err(RecvError::Timeout(_)) => {
                return Err(runtime(format!(
                    "expect: no message containing {pattern:?} arrived within {}.{}",
                    wait.describe("expect"),
                    self.not_kept_hint()
                )));
            }
        };
        self.count_taken(connection);
        let (shown, value): (String, Dynamic) = match message {
            Message::Text(text) => (text.clone(), text.into()),
            Message::Binary(bytes) => (
                String::from_utf8_lossy(&bytes).into_owned(),
                Dynamic::from_blob(bytes),
            ),
        };
        if shown.contains(pattern) {
            Ok(value)
        } else {
            Err(runtime(format!(
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

    /// Writes the session so far as a script (see [`Record::script`]).
    pub(crate) fn save(&self, path: &str) -> Fallible<()> {
        let url = self
            .session_connection()
            .map_or_else(|| "URL".to_string(), |c| c.url().to_string());
        let script = self
            .record
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .script(path, &url);
        std::fs::write(path, script).map_err(|e| to_rhai(Error::file("write", path, e)))?;
        self.console.out(
            Line::of(Role::Success, "Saved the session to ")
                .push(Role::Url, path)
                .push(Role::Success, "; run it with ")
                .push(Role::Command, format!("ws run {path} {url}")),
        );
        Ok(())
    }

    pub(crate) fn sleep(&self, seconds: Duration) -> Fallible<()> {
        let deadline = Instant::now().checked_add(seconds);
        loop {
            if self.interrupted() {
                return Err(interrupted());
            }
            let left = deadline.map_or(Duration::MAX, |d| {
                d.saturating_duration_since(Instant::now())
            });
            if left.is_zero() {
                return Ok(());
            }
            std::thread::sleep(left.min(Duration::from_millis(20)));
        }
    }

    pub(crate) fn connect(&self, url: &str, options: Option<rhai::Map>) -> Fallible<Connection> {
        let mut connect = self.settings.connect_options();
        if let Some(map) = options {
            super::options::apply(&mut connect, map)?;
        }
        let view = TrafficView {
            json: self.json,
            label: Some(crate::connection::redact::url(
                &crate::connection::url::parse(url).map_err(to_rhai)?,
            )),
            announce_close: true,
            on_close: None,
            hold: None,
        };
        let handle = self.settings.handle_settings(true, self.interrupt.clone());
        let connection =
            Connection::open(url, &connect, handle, observer(self.console.clone(), view))
                .map_err(to_rhai)?;
        self.opened.borrow_mut().push(connection.clone());
        Ok(connection)
    }

    pub(crate) fn help(&self, name: Option<&str>) -> Fallible<()> {
        let lines = match name {
            None => help_overview(),
            Some(name) => help_for(name).map_err(runtime)?,
        };
        self.console.emit_all(crate::console::Stream::Out, lines);
        Ok(())
    }

    /// Runs a plain command with its string arguments.
    pub(crate) fn command(&self, name: &str, args: &[String]) -> Fallible<()> {
        match commands::find(name).and_then(|c| c.plain) {
            Some(plain) => (plain.run)(self, args),
            None => Err(runtime(format!("{name} is not a command"))),
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
    fn describe(&self, function: &str) -> String {
        let source = if self.given {
            format!("the limit given to {function}")
        } else {
            "the response_timeout setting".to_string()
        };
        format!("{} ({source})", seconds_text(self.limit))
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

/// `file@PATH` → `PATH`.
pub(crate) fn file_argument(message: &str) -> Option<&str> {
    message.strip_prefix("file@").filter(|p| !p.is_empty())
}

/// A file's bytes (`read_blob`, `byte file@PATH`).
pub(crate) fn read_bytes(path: &str) -> Fallible<Vec<u8>> {
    std::fs::read(path).map_err(|e| to_rhai(Error::file("read", path, e)))
}

/// A file's text (`read_file`, `text file@PATH`); refused when not UTF-8.
pub(crate) fn read_text(path: &str) -> Fallible<String> {
    String::from_utf8(read_bytes(path)?).map_err(|_| {
        runtime(format!(
            "{path} is not UTF-8 text; read it with read_blob(path) or send it with byte file@{path}"
        ))
    })
}

pub(crate) fn seconds_text(limit: Option<Duration>) -> String {
    match limit {
        Some(d) => format!("{} s", d.as_secs_f64()),
        None => "the time allowed".into(),
    }
}

fn help_overview() -> Vec<Line> {
    let mut lines = vec![Line::of(
        Role::Info,
        "Commands (<> marks an optional argument; `help <command>` for more):",
    )];
    for c in commands::commands() {
        lines.push(
            Line::new()
                .push(Role::Command, format!("  {:<6}", c.name))
                .push(Role::Muted, format!(" {:<16}", c.params))
                .push(Role::Plain, format!(" {}", c.summary)),
        );
    }
    lines.push(Line::of(
        Role::Info,
        "Rhai functions (also as c.name(…) on a connection from connect):",
    ));
    for f in commands::functions() {
        lines.push(
            Line::new()
                .push(Role::Command, format!("  {:<12}", f.name))
                .push(Role::Muted, format!(" {:<18}", f.params))
                .push(Role::Plain, format!(" {}", f.summary)),
        );
    }
    lines.push(Line::of(
        Role::Info,
        "Any other line is Rhai code, e.g. for i in 0..3 { text(\"n\" + i) }",
    ));
    lines
}

fn help_for(name: &str) -> Result<Vec<Line>, String> {
    if let Some(c) = commands::find(name) {
        let mut lines = vec![
            Line::new()
                .push(Role::Command, c.name)
                .push(Role::Muted, format!(" {}", c.params)),
            Line::of(Role::Plain, format!("  {}", c.summary)),
            Line::of(Role::Info, "Examples:"),
        ];
        lines.extend(
            c.examples
                .lines()
                .map(|l| Line::of(Role::Literal, format!("  {l}"))),
        );
        return Ok(lines);
    }
    if let Some(f) = commands::find_function(name) {
        return Ok(vec![
            Line::new()
                .push(
                    Role::Command,
                    format!("{}({})", f.name, f.params.replace(' ', ", ")),
                )
                .push(Role::Plain, format!("  {}", f.summary)),
            Line::of(Role::Info, "Example:"),
            Line::of(Role::Literal, format!("  {}", f.examples)),
        ]);
    }
    let suggestion = commands::suggest(name)
        .map(|s| format!(" Did you mean {s}?"))
        .unwrap_or_default();
    Err(format!(
        "There is no command or function {name}.{suggestion} Type help for the list."
    ))
}
