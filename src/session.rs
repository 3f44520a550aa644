//! A console on one connection: the Rhai engine with its session functions,
//! one scope for the whole session, the functions defined so far, and the
//! console. [`Session::eval_line`] is the line pipeline of the prompt (shim,
//! compile, evaluate); [`Session::run_script`] runs a whole file;
//! [`Session::repl`] is the interactive loop.

use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};

use rhai::{AST, Dynamic, Engine, Scope};

use crate::cancel::Interrupt;
use crate::connection::{CloseInfo, Connection, Observer};
use crate::console::traffic::{Hold, TrafficView, observer};
use crate::console::{Console, Line, Role, Stream, render};
use crate::error::{Error, Result};
use crate::script::context::Context;
use crate::script::diagnostics::{self, Source, Stop};
use crate::script::shim::{self, Dispatch};
use crate::script::{self as rhai_script, Oracle, commands, hooks, save};
use crate::settings::Settings;
use tokio_util::sync::CancellationToken;

/// Something the interactive loop reacts to.
#[derive(Debug)]
pub(crate) enum Control {
    /// A line the user entered.
    Line(String),
    /// A line of piped input that cannot be run (too long, not UTF-8):
    /// why, shown as an error; the input goes on.
    Refused(String),
    /// Ctrl+C at the prompt.
    Interrupted,
    /// Ctrl+D, or the end of standard input.
    Eof,
    /// The session's connection ended.
    Closed(CloseInfo),
    /// A new connection opened (`--reconnect`): greet it.
    Reconnected,
    /// SIGTERM, or SIGINT while no prompt is open.
    Terminate,
}

/// How a line left the session: what [`Session::eval_line`] returns.
///
/// ```
/// use ws::{Console, Outcome, Session};
///
/// let mut session = Session::builder().console(Console::silent()).build()?;
/// assert_eq!(session.eval_line("let answer = 42"), Outcome::Continue);
/// assert_eq!(session.eval_line("exit(answer - 40)"), Outcome::End(2));
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Go on reading lines.
    Continue,
    /// The session is over, with this exit status: `n` after `exit(n)`, 0
    /// after `quit` or `close` closed the session's connection.
    End(i32),
}

/// Builds a [`Session`].
///
/// ```
/// use ws::{Console, EchoServer, Session};
///
/// let server = EchoServer::start()?;
/// let mut session = Session::builder()
///     .url(server.url())
///     .console(Console::silent())
///     .build()?;
/// session.run_script("echo", r#"text("hi"); expect("hi", 5);"#)?;
/// # Ok::<(), ws::Error>(())
/// ```
pub struct SessionBuilder {
    url: Option<String>,
    connection: Option<Connection>,
    console: Option<Console>,
    settings: Settings,
    options: Option<crate::connection::ConnectOptions>,
    json: bool,
    interactive: bool,
    keep_from_start: bool,
    interrupt: Option<Interrupt>,
    show_sent: bool,
    verbose: bool,
}

impl SessionBuilder {
    /// Connect to this URL when building.
    ///
    /// ```
    /// use ws::{Console, EchoServer, Error, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let session = Session::builder().url(server.url()).console(Console::silent()).build()?;
    /// assert_eq!(session.connection().unwrap().url(), server.url());
    /// let refused = Session::builder().url("nowhere").build();
    /// assert!(matches!(refused, Err(Error::InvalidUrl(_))));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Work on a connection the host opened itself (instead of a URL):
    /// the session functions (`text`, `recv`, `expect`, …) are bound to
    /// it. What arrives is kept for `recv` but not shown on the console,
    /// since the session did not open it; what the session sends is
    /// confirmed as on any connection (see [`interactive`](Self::interactive)).
    ///
    /// ```
    /// use ws::{ConnectOptions, Connection, Console, EchoServer, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let connection = Connection::open(&server.url(), &ConnectOptions::default())?;
    /// let mut session = Session::builder()
    ///     .connection(connection)
    ///     .console(Console::silent())
    ///     .build()?;
    /// session.run_script("probe", r#"text("hi"); expect("hi", 5);"#)?;
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn connection(mut self, connection: Connection) -> Self {
        self.connection = Some(connection);
        self
    }

    /// Open the [`url`](Self::url) with these options (headers,
    /// subprotocols, TLS…) instead of the ones made from the settings
    /// ([`Settings::connect_options`]).
    ///
    /// ```
    /// use ws::{ConnectOptions, Console, EchoServer, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let options = ConnectOptions { max_message_size: 4, ..ConnectOptions::default() };
    /// let mut session = Session::builder().url(server.url()).connect_options(options)
    ///     .console(Console::silent()).build()?;
    /// assert!(session.run_script("short", r#"text("four")"#).is_ok());
    /// assert!(session.run_script("long", r#"text("too long")"#).is_err());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn connect_options(mut self, options: crate::connection::ConnectOptions) -> Self {
        self.options = Some(options);
        self
    }

    /// Print to this console (default: standard output and error).
    ///
    /// ```
    /// use ws::{Console, Session};
    ///
    /// let seen = ws::transcript::Recorder::new(100);
    /// let console = Console::silent();
    /// console.add_sink(Box::new(seen.clone()));
    /// let mut session = Session::builder().console(console).build()?;
    /// session.run_script("hello", r#"print("hello")"#)?;
    /// assert_eq!(seen.text(), "hello");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn console(mut self, console: Console) -> Self {
        self.console = Some(console);
        self
    }

    /// Use these settings (timeouts, queue size…).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws::{Console, EchoServer, Session, Settings};
    ///
    /// let server = EchoServer::start()?;
    /// let settings = Settings { response_timeout: Some(Duration::from_millis(50)), ..Settings::default() };
    /// let mut session = Session::builder().url(server.url()).settings(settings)
    ///     .console(Console::silent()).build()?;
    /// let error = session.run_script("wait", "recv()").unwrap_err();
    /// assert!(error.to_string().contains("0.05 s"), "{error}");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Pretty-print the JSON text messages the console shows (as `--json`
    /// does); what `recv` returns is unchanged.
    ///
    /// ```
    /// use ws::{Console, EchoServer, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let (seen, console) = (ws::transcript::Recorder::new(100), Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// let mut session = Session::builder().url(server.url()).console(console).json(true).build()?;
    /// session.run_script("json", r#"text(`{"a":1}`); recv();"#)?;
    /// assert!(seen.text().contains("\"a\": 1"), "{}", seen.text());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn json(mut self, json: bool) -> Self {
        self.json = json;
        self
    }

    /// Print confirmations (`Sent …`, `PING …`) as the interactive session
    /// does; scripts run quiet by default.
    ///
    /// ```
    /// use ws::{Console, EchoServer, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let (seen, console) = (ws::transcript::Recorder::new(100), Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// let mut session = Session::builder().url(server.url()).console(console).interactive(true).build()?;
    /// session.eval_line("text hello");
    /// assert!(seen.text().starts_with("Sent"), "{}", seen.text());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn interactive(mut self, interactive: bool) -> Self {
        self.interactive = interactive;
        self
    }

    /// Keeps messages for `recv` from the moment the connection opens, even
    /// in an interactive session (for a `--script` that waits for a greeting).
    ///
    /// ```
    /// use ws::{Console, EchoServer, Preamble, Session, Settings};
    ///
    /// let server = EchoServer::start()?;
    /// // The preamble's echo arrives before any line runs.
    /// let preamble = Some(Preamble::Lines(vec!["hello".into()]));
    /// let settings = Settings { preamble, ..Settings::default() };
    /// let mut session = Session::builder().url(server.url()).settings(settings)
    ///     .interactive(true).keep_from_start(true).console(Console::silent()).build()?;
    /// session.run_script("greeting", r#"if recv() != "hello" { throw "lost" }"#)?;
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn keep_from_start(mut self, keep: bool) -> Self {
        self.keep_from_start = keep;
        self
    }

    /// Stop running code when this interrupt fires (Ctrl+C, a test's
    /// watchdog).
    pub(crate) fn interrupt(mut self, interrupt: Interrupt) -> Self {
        self.interrupt = Some(interrupt);
        self
    }

    /// Show each message sent on the console (`> text TIME content`).
    pub(crate) fn show_sent(mut self, show: bool) -> Self {
        self.show_sent = show;
        self
    }

    /// Show the keepalive pings sent and their pongs (`--verbose`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws::{Console, EchoServer, Session, Settings};
    ///
    /// let server = EchoServer::start()?;
    /// let (seen, console) = (ws::transcript::Recorder::new(100), Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// let settings = Settings { ping_interval: Some(Duration::from_millis(20)), ..Settings::default() };
    /// let session = Session::builder().url(server.url()).settings(settings)
    ///     .console(console).verbose(true).build()?;
    /// let shown = std::time::Instant::now() + Duration::from_secs(10);
    /// while !seen.text().contains("keepalive pong received") {
    ///     assert!(std::time::Instant::now() < shown, "no keepalive shown");
    ///     std::thread::sleep(Duration::from_millis(10));
    /// }
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// Opens the connection (if a URL was given) and builds the engine. A
    /// URL that is not valid, a server that cannot be reached or refuses
    /// the handshake, and a preamble script that does not compile are
    /// errors.
    ///
    /// ```
    /// use ws::{Error, Session};
    ///
    /// // Nothing to connect to: a session for Rhai alone.
    /// let session = Session::builder().console(ws::Console::silent()).build()?;
    /// assert!(session.connection().is_none());
    /// let unreachable = Session::builder().url("ws://127.0.0.1:1/").build();
    /// assert!(matches!(unreachable, Err(Error::Connect(_))));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn build(self) -> Result<Session> {
        let console = self.console.unwrap_or_else(Console::stdio);
        let mut context = Context::new(
            console.clone(),
            self.settings.clone(),
            self.interactive,
            self.json,
        );
        if let Some(interrupt) = self.interrupt {
            context.interrupt = interrupt;
        }
        context.show_sent = self.show_sent;
        context.verbose = self.verbose;
        let hold = Hold::new();
        context.hold = self.interactive.then(|| hold.clone());
        let ctx = Rc::new(context);
        let engine = rhai_script::engine(&ctx);
        let preamble = hooks::compile(&engine, self.settings.preamble.as_ref())?;
        if let Some(preamble) = preamble {
            let _ = ctx.preamble.set(preamble);
        }
        let (control, controls) = mpsc::channel();
        let session = Session {
            ctx,
            engine,
            scope: Scope::new(),
            functions: AST::empty(),
            control,
            controls,
            hold,
        };
        let connection = match (self.connection, self.url) {
            (Some(connection), _) => Some(connection),
            (None, Some(url)) => {
                let options = self
                    .options
                    .unwrap_or_else(|| self.settings.connect_options());
                Some(session.open(&url, &options, self.keep_from_start)?)
            }
            (None, None) => None,
        };
        if let Some(connection) = connection {
            session.ctx.set_session(connection);
        }
        Ok(session)
    }
}

/// A console on (at most) one connection, with a Rhai engine whose session
/// functions (`text`, `recv`, `expect`, `close`, …) are bound to it, one
/// scope for every line and script, and the functions defined so far.
/// Build it with [`Session::builder`].
///
/// ```
/// use ws::{Console, EchoServer, Session};
///
/// let server = EchoServer::start()?;
/// let mut session = Session::builder().url(server.url()).console(Console::silent()).build()?;
/// session.engine_mut().register_fn("shout", |s: &str| s.to_uppercase());
/// session.run_script("shout", r#"text(shout("hi")); expect("HI", 5);"#)?;
/// session.close_all(1000);
/// # Ok::<(), ws::Error>(())
/// ```
pub struct Session {
    ctx: Rc<Context>,
    engine: Engine,
    scope: Scope<'static>,
    functions: AST,
    control: Sender<Control>,
    controls: Receiver<Control>,
    hold: Hold,
}

impl Session {
    /// A builder with default settings and no connection.
    ///
    /// ```
    /// let session = ws::Session::builder().console(ws::Console::silent()).build()?;
    /// assert!(session.connection().is_none());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn builder() -> SessionBuilder {
        SessionBuilder {
            url: None,
            connection: None,
            console: None,
            settings: Settings::default(),
            options: None,
            json: false,
            interactive: false,
            keep_from_start: false,
            interrupt: None,
            show_sent: false,
            verbose: false,
        }
    }

    fn open(
        &self,
        url: &str,
        options: &crate::connection::ConnectOptions,
        keep: bool,
    ) -> Result<Connection> {
        let control = self.control.clone();
        let view = TrafficView {
            json: self.ctx.json,
            label: None,
            // The interactive loop announces the end itself, after the prompt.
            announce_close: !self.ctx.interactive,
            on_close: Some(Box::new(move |info: &CloseInfo| {
                let _ = control.send(Control::Closed(info.clone()));
            })),
            // The interactive console shows traffic once its welcome is out.
            hold: self.ctx.interactive.then(|| self.hold.clone()),
        };
        let mut handle = self.ctx.settings.handle_settings(
            options.clone(),
            keep || !self.ctx.interactive,
            self.ctx.interrupt.clone(),
            self.ctx.budget.clone(),
        );
        if let Some(preamble) = &self.ctx.settings.preamble {
            handle.client.preamble = preamble.lines().to_vec();
        }
        handle.client.notes = self.ctx.verbose;
        let show = observer(self.ctx.console.clone(), view);
        let observe = if self.ctx.interactive {
            let control = self.control.clone();
            let greeting = Observer::new(move |event| {
                if let crate::connection::Event::Reconnected(_) = event {
                    let _ = control.send(Control::Reconnected);
                }
                show.see(event);
            });
            recording(greeting, Arc::clone(&self.ctx.record))
        } else {
            show
        };
        Connection::open_with(url, handle, observe)
    }

    /// The Rhai engine, to register more functions before running.
    ///
    /// ```
    /// let mut session = ws::Session::builder().console(ws::Console::silent()).build()?;
    /// session.engine_mut().register_fn("double", |x: i64| x * 2);
    /// session.run_script("double", "if double(21) != 42 { throw \"wrong\" }")?;
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// The scope shared by every line and script of this session.
    ///
    /// ```
    /// let mut session = ws::Session::builder().console(ws::Console::silent()).build()?;
    /// session.scope_mut().push("greeting", "hello");
    /// session.run_script("set", r#"let count = greeting.len();"#)?;
    /// assert_eq!(session.scope_mut().get_value::<i64>("count"), Some(5));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn scope_mut(&mut self) -> &mut Scope<'static> {
        &mut self.scope
    }

    /// The longest line read from piped input: `max_message_size`.
    pub(crate) fn line_limit(&self) -> usize {
        self.ctx.settings.max_message_size
    }

    /// The console this session prints to.
    ///
    /// ```
    /// let (seen, console) = (ws::transcript::Recorder::new(100), ws::Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// let session = ws::Session::builder().console(console).build()?;
    /// session.console().say(ws::Role::Info, "ready");
    /// assert_eq!(seen.text(), "ready");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn console(&self) -> &Console {
        &self.ctx.console
    }

    /// The session's connection, if it has one.
    ///
    /// ```
    /// use ws::{Console, EchoServer, Message, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let mut session = Session::builder().url(server.url()).console(Console::silent()).build()?;
    /// session.run_script("send", r#"text("from Rhai")"#)?;
    /// let connection = session.connection().expect("connected");
    /// assert_eq!(connection.recv(None)?, Message::Text("from Rhai".into()));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn connection(&self) -> Option<Connection> {
        self.ctx.session_connection()
    }

    pub(crate) fn control(&self) -> Sender<Control> {
        self.control.clone()
    }

    pub(crate) fn controls(&self) -> &Receiver<Control> {
        &self.controls
    }

    pub(crate) fn interrupt(&self) -> Interrupt {
        self.ctx.interrupt.clone()
    }

    /// Closes every open connection with `code`.
    ///
    /// ```
    /// use ws::{Console, EchoServer, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let session = Session::builder().url(server.url()).console(Console::silent()).build()?;
    /// session.close_all(1001);
    /// let info = session.connection().and_then(|c| c.close_info());
    /// assert_eq!(info.map(|i| i.code), Some(1001));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn close_all(&self, code: u16) {
        self.close_all_unless(code, &CancellationToken::new());
    }

    /// [`close_all`](Self::close_all), whose waits for the handshakes
    /// `cancel` cuts short (a test stopped at its timeout).
    pub(crate) fn close_all_unless(&self, code: u16, cancel: &CancellationToken) {
        self.ctx.close_all(code, cancel);
    }

    /// Evaluates one line as the prompt does and prints what comes of it:
    /// a plain command (`text hello`, `close 1003 'bye'`) when the line
    /// reads as one, Rhai code otherwise; the value of an expression is
    /// printed, and so is a failure (it is not returned). Functions and
    /// variables stay defined for later lines. As at the prompt, messages
    /// are kept for `recv` only while a line runs: what arrives between two
    /// lines is shown, not kept (also for [`Connection::recv`] on the
    /// session's connection).
    ///
    /// ```
    /// use ws::{Console, EchoServer, Outcome, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let mut session = Session::builder().url(server.url()).console(Console::silent()).build()?;
    /// assert_eq!(session.eval_line("let n = 3"), Outcome::Continue); // Rhai
    /// assert_eq!(session.eval_line("text hello"), Outcome::Continue); // a plain command
    /// assert_eq!(session.eval_line(r#"expect("hello", 5); n"#), Outcome::Continue);
    /// assert_eq!(session.eval_line("exit(n)"), Outcome::End(3));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn eval_line(&mut self, line: &str) -> Outcome {
        let oracle = Oracle {
            engine: &self.engine,
            scope: &self.scope,
            functions: &self.functions,
        };
        let dispatch = shim::dispatch(line, &oracle);
        let saved_as = match &dispatch {
            Dispatch::Command { name, args } => Some(save::plain_call(name, args)),
            Dispatch::Rhai => Some(line.to_string()),
            _ => None,
        };
        let before = self.activity();
        self.record().line_started();
        self.start_line();
        let stop = match dispatch {
            Dispatch::Empty => None,
            Dispatch::Command { name, args } => self.ctx.command(name, &args).err().map(|e| {
                diagnostics::stop(
                    &e,
                    &Source {
                        name: None,
                        text: line,
                    },
                    &self.engine,
                )
            }),
            Dispatch::BadArguments(message) => Some(Stop::Failed(message)),
            Dispatch::Unknown { word, suggestion } => {
                Some(Stop::Failed(unknown(&word, suggestion)))
            }
            Dispatch::Rhai => self.eval_rhai(line),
        };
        self.end_line();
        self.record_line(saved_as, before, stop.is_some());
        self.conclude(stop)
    }

    /// Runs a whole script as one input line (`--script`): messages are kept
    /// for `recv` while it runs, and `exit(n)` ends the session with `n`.
    pub(crate) fn eval_script(&mut self, name: &str, text: &str) -> Outcome {
        self.start_line();
        let stop = match self.run_script(name, text) {
            Ok(()) => None,
            Err(Error::Exit(code)) => Some(Stop::Exit(code)),
            Err(Error::Interrupted) => Some(Stop::Interrupted),
            Err(Error::Script(message)) => Some(Stop::Failed(message)),
            Err(other) => Some(Stop::Failed(other.to_string())),
        };
        self.end_line();
        self.conclude(stop)
    }

    /// Prints how a line or script stopped and says whether the session goes on.
    fn conclude(&mut self, stop: Option<Stop>) -> Outcome {
        match stop {
            Some(Stop::Exit(code)) => {
                self.ctx.close_all(1000, &CancellationToken::new());
                return Outcome::End(code);
            }
            Some(Stop::Interrupted) => self.ctx.console.say(Role::Warning, "Interrupted."),
            Some(Stop::Failed(message)) => {
                let lines = Line::split(Role::Error, &message);
                self.ctx.console.emit_all(Stream::Err, lines);
            }
            None => {}
        }
        match self.ctx.ended.get() {
            Some(status) => Outcome::End(status),
            None => Outcome::Continue,
        }
    }

    /// Greets the session's connection if it has not been yet (the first
    /// one, or a new one after a reconnection): runs the `.rhai` preamble
    /// and `on_connect()` as a line of their own, showing what fails.
    pub(crate) fn greet(&mut self) -> Outcome {
        let Some(connection) = self.ctx.session_connection() else {
            return Outcome::Continue;
        };
        if !hooks::due(&self.ctx, &connection) {
            return Outcome::Continue;
        }
        self.start_line();
        let mut result = Ok(());
        if let Some(preamble) = self.ctx.preamble.get() {
            let run = hooks::run_preamble(&self.engine, preamble);
            result =
                run.map_err(|e| script_error(&e, &preamble.name, &preamble.text, &self.engine));
        }
        if result.is_ok() && self.defines(hooks::ON_CONNECT) {
            result = self.call("on_connect", "", hooks::ON_CONNECT);
        }
        self.end_line();
        let stop = match result {
            Ok(()) => None,
            Err(Error::Exit(code)) => Some(Stop::Exit(code)),
            Err(Error::Interrupted) => Some(Stop::Interrupted),
            Err(other) => Some(Stop::Failed(match other {
                Error::Script(message) => message,
                other => other.to_string(),
            })),
        };
        self.conclude(stop)
    }

    /// Shows the traffic held back until the welcome was printed.
    pub(crate) fn release_traffic(&self) {
        self.hold.release(&self.ctx.console);
    }

    /// What the session has done so far: messages sent, messages taken,
    /// variables and functions defined.
    fn activity(&self) -> [usize; 4] {
        [
            self.ctx.sent.get() as usize,
            self.ctx.taken.get(),
            self.scope.len(),
            self.functions.iter_functions().count(),
        ]
    }

    fn record(&self) -> std::sync::MutexGuard<'_, save::Record> {
        self.ctx.record.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps the line just run for `save` when it sent, received or defined
    /// something and did not fail.
    fn record_line(&self, saved_as: Option<String>, before: [usize; 4], failed: bool) {
        let after = self.activity();
        let took = after[1] - before[1];
        let mut record = self.record();
        if failed {
            record.line_failed();
        } else {
            record.line_ended(saved_as.filter(|_| after != before), took);
        }
    }

    fn start_line(&self) {
        self.release_traffic();
        self.ctx.interrupt.renew();
        if let Some(connection) = self.ctx.session_connection() {
            connection.set_keep(true);
        }
    }

    fn end_line(&self) {
        if let Some(connection) = self.ctx.session_connection() {
            connection.set_keep(false);
        }
    }

    fn eval_rhai(&mut self, line: &str) -> Option<Stop> {
        let source = Source {
            name: None,
            text: line,
        };
        let ast = match self.engine.compile_with_scope(&self.scope, line) {
            Ok(ast) => ast,
            Err(e) => return Some(Stop::Failed(diagnostics::syntax(&e, &source))),
        };
        self.functions = self.functions.merge(&ast.clone_functions_only());
        let program = self.functions.merge(&ast);
        match self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &program)
        {
            Ok(value) if value.is_unit() => None,
            Ok(value) => {
                let role = if value.is_int() || value.is_float() {
                    Role::Number
                } else {
                    Role::Plain
                };
                let text = match rhai_script::limits::shown(&value) {
                    Ok(text) => text,
                    Err(e) => return Some(diagnostics::stop(&e, &source, &self.engine)),
                };
                let lines = Line::split(role, &text);
                self.ctx.console.emit_all(Stream::Out, lines);
                None
            }
            Err(e) => Some(diagnostics::stop(&e, &source, &self.engine)),
        }
    }

    /// Compiles a whole script (a syntax error is returned before anything
    /// runs), then runs it in the session's scope. `name` is used in messages.
    ///
    /// ```
    /// use ws::{Console, Error, Session};
    ///
    /// let mut session = Session::builder().console(Console::silent()).build()?;
    /// session.run_script("define", "fn twice(x) { x * 2 }")?;
    /// session.run_script("use", "if twice(2) != 4 { throw \"wrong\" }")?;
    /// let Err(Error::Script(message)) = session.run_script("bad.rhai", "let x = ;") else { panic!() };
    /// assert!(message.contains("bad.rhai"), "{message}");
    /// assert!(matches!(session.run_script("end", "exit(4)"), Err(Error::Exit(4))));
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn run_script(&mut self, name: &str, text: &str) -> Result<()> {
        let source = Source {
            name: Some(name),
            text,
        };
        let ast = self
            .engine
            .compile_with_scope(&self.scope, text)
            .map_err(|e| Error::Script(diagnostics::syntax(&e, &source)))?;
        self.run_compiled(name, text, ast)
    }

    /// Only compiles a script, reporting a syntax error with its position.
    pub(crate) fn compile(&self, name: &str, text: &str) -> Result<AST> {
        let source = Source {
            name: Some(name),
            text,
        };
        self.engine
            .compile_with_scope(&self.scope, text)
            .map_err(|e| Error::Script(diagnostics::syntax(&e, &source)))
    }

    /// Runs a compiled script in the session's scope; its functions stay
    /// defined for later lines.
    pub(crate) fn run_compiled(&mut self, name: &str, text: &str, ast: AST) -> Result<()> {
        self.functions = self.functions.merge(&ast.clone_functions_only());
        let program = self.functions.merge(&ast);
        let result = self.engine.run_ast_with_scope(&mut self.scope, &program);
        result.map_err(|e| script_error(&e, name, text, &self.engine))
    }

    /// Calls the script function `function` of a script already run with
    /// [`Session::run_compiled`] (its top-level code is not run again).
    pub(crate) fn call(&mut self, name: &str, text: &str, function: &str) -> Result<()> {
        let options = rhai::CallFnOptions::new().eval_ast(false);
        self.engine
            .call_fn_with_options::<Dynamic>(
                options,
                &mut self.scope,
                &self.functions,
                function,
                (),
            )
            .map(drop)
            .map_err(|e| script_error(&e, name, text, &self.engine))
    }

    /// Whether the script defines a function of this name with no parameters.
    pub(crate) fn defines(&self, function: &str) -> bool {
        self.functions
            .iter_functions()
            .any(|f| f.name == function && f.params.is_empty())
    }

    /// The welcome text of the interactive session.
    pub(crate) fn welcome(&self) -> Vec<Line> {
        let mut lines = vec![Line::of(
            Role::Success,
            "Welcome to the interactive websocket session! 🌟",
        )];
        if let Some(connection) = self.ctx.session_connection() {
            let compression = connection.compression();
            lines.push(render::connected_line(
                connection.url(),
                connection.subprotocol(),
                compression.as_ref(),
            ));
        }
        lines.push(
            Line::of(Role::Info, "Type ")
                .push(Role::Command, "help")
                .push(Role::Info, " for the commands and ")
                .push(Role::Command, "help <command>")
                .push(
                    Role::Info,
                    " for one of them; <> marks an optional argument.",
                ),
        );
        lines.push(
            Line::of(Role::Info, "Ctrl+D or ")
                .push(Role::Command, "quit")
                .push(
                    Role::Info,
                    " ends the session. Any other line is Rhai code, e.g. ",
                )
                .push(Role::Literal, "for i in 0..3 { text(\"n\" + i) }"),
        );
        lines
    }
}

/// An observer that notes every message in `record` (for `save`), then
/// passes the event on to `show`.
fn recording(show: Observer, record: Arc<std::sync::Mutex<save::Record>>) -> Observer {
    use crate::connection::{Event, Message};
    Observer::new(move |event| {
        if let Event::Message(message) = &event {
            let text = match message {
                Message::Text(text) => Some(text.as_str()),
                Message::Decoded(decoded) => Some(decoded.summary.as_str()),
                Message::Binary(_) => None,
            };
            record
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .received(text);
        }
        show.see(event);
    })
}

/// A script's failure as the library's error, rendered with its position.
fn script_error(error: &rhai::EvalAltResult, name: &str, text: &str, engine: &Engine) -> Error {
    let source = Source {
        name: Some(name),
        text,
    };
    match diagnostics::stop(error, &source, engine) {
        Stop::Exit(code) => Error::Exit(code),
        Stop::Interrupted => Error::Interrupted,
        Stop::Failed(message) => Error::Script(message),
    }
}

fn unknown(word: &str, suggestion: Option<&str>) -> String {
    let names: Vec<&str> = commands::commands().map(|c| c.name).collect();
    let mut message = format!(
        "Unknown command {word}, available commands are: {}.",
        names.join(", ")
    );
    if let Some(suggestion) = suggestion {
        message.push_str(&format!(" Did you mean {suggestion}?"));
    }
    message
}
