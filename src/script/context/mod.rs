//! What every session function works on: the console, the settings, the
//! interrupt flag and the connections. Each command is implemented once
//! here, on a given connection; `api.rs` binds these to Rhai names and the
//! plain-command path calls them with string arguments. This file holds
//! the state and the connection registry; [`send`], [`receive`] and
//! [`help`] the commands by concern.

mod help;
mod protocol;
mod receive;
mod send;

pub(crate) use receive::Wait;

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rhai::EvalAltResult;
use tokio_util::sync::CancellationToken;

use super::commands;
use super::diagnostics::{interrupted, raise, runtime, to_rhai};
use super::save::Record;
use crate::bounded;
use crate::cancel::{Interrupt, Stopped, block, deadline};
use crate::connection::Connection;
use crate::console::traffic::{TrafficView, observer};
use crate::console::{Console, Line, Role};
use crate::error::Error;
use crate::settings::Settings;

pub(crate) type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// The state the session functions share.
pub(crate) struct Context {
    pub console: Console,
    pub settings: Settings,
    /// Ctrl+C: cancels the line or script under way.
    pub interrupt: Interrupt,
    /// What `recv` has not taken, on every connection of the session.
    pub budget: Arc<crate::queue::Budget>,
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
            budget: settings.recv_budget(),
            settings,
            interrupt: Interrupt::new(),
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

    /// How much of a file is read for `read`, and the setting that says so.
    pub(crate) fn limit(&self, read: ReadFor) -> Limit {
        let (bytes, setting) = match read {
            ReadFor::Message => (self.settings.max_message_size, "max_message_size"),
            ReadFor::Text => (self.settings.limits.max_string_size, "max_string_size"),
            ReadFor::Blob => (self.settings.limits.max_array_size, "max_array_size"),
        };
        Limit { bytes, setting }
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

    /// Closes every open connection with `code` (end of a script, Ctrl+C);
    /// `cancel` cuts the waits for the handshakes short.
    pub(crate) fn close_all(&self, code: u16, cancel: &CancellationToken) {
        for connection in self.open_connections() {
            let _ = connection.close_unless(code, "", cancel);
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
        let token = self.interrupt.token();
        match block(
            std::future::pending::<()>(),
            &token,
            deadline(Some(seconds)),
        ) {
            Err(Stopped::Cancelled) => Err(interrupted()),
            _ => Ok(()),
        }
    }

    pub(crate) fn connect(&self, url: &str, options: Option<rhai::Map>) -> Fallible<Connection> {
        let connect = match options {
            Some(map) => super::options::apply(&self.settings, map)?,
            None => self.settings.connect_options(),
        };
        let view = TrafficView {
            json: self.json,
            label: Some(crate::connection::redact::url(
                &crate::connection::url::parse(url).map_err(to_rhai)?,
            )),
            announce_close: true,
            on_close: None,
            hold: None,
        };
        let handle = self.settings.handle_settings(
            connect,
            true,
            self.interrupt.clone(),
            self.budget.clone(),
        );
        let connection = Connection::open_with(url, handle, observer(self.console.clone(), view))
            .map_err(to_rhai)?;
        self.opened.borrow_mut().push(connection.clone());
        Ok(connection)
    }

    pub(crate) fn help(&self, name: Option<&str>) -> Fallible<()> {
        let lines = match name {
            None => help::help_overview(),
            Some(name) => help::help_for(name).map_err(runtime)?,
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

/// `file@PATH` → `PATH`.
pub(crate) fn file_argument(message: &str) -> Option<&str> {
    message.strip_prefix("file@").filter(|p| !p.is_empty())
}

/// What a file is read for: a message (`text file@`, `byte file@`), a
/// string (`read_file`) or a blob (`read_blob`).
#[derive(Clone, Copy)]
pub(crate) enum ReadFor {
    Message,
    Text,
    Blob,
}

/// How much of a file may be read, and the setting that says so.
#[derive(Clone, Copy)]
pub(crate) struct Limit {
    pub bytes: usize,
    pub setting: &'static str,
}

/// A file's bytes (`read_blob`, `byte file@PATH`), read only up to `limit`.
pub(crate) fn read_bytes(path: &str, limit: Limit) -> Fallible<Vec<u8>> {
    bounded::read_file(path, limit.bytes)
        .map_err(|e| to_rhai(Error::file("read", path, e)))?
        .ok_or_else(|| {
            let why = bounded::too_large(path, limit.setting, limit.bytes);
            runtime(format!("{why}; {}", raise(limit.setting)))
        })
}

/// A file's text (`read_file`, `text file@PATH`), read only up to `limit`;
/// refused when not UTF-8.
pub(crate) fn read_text(path: &str, limit: Limit) -> Fallible<String> {
    String::from_utf8(read_bytes(path, limit)?).map_err(|_| {
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
