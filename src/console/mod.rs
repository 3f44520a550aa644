//! The one path to the user. Everything a console shows (messages, notices,
//! errors, prompts and typed lines) is a [`Line`] handed to [`Console`], which
//! renders it on the terminal and fans it out to every attached [`Sink`]
//! (the transcript writers).

mod display;
pub mod escape;
pub mod render;
mod style;
mod terminal;
pub mod traffic;

pub(crate) use display::{PromptPrinter, settle};
pub use style::{BACKGROUND, FOREGROUND, Line, Mark, Role, Segment};

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use terminal::Terminal;

/// A consumer of console lines besides the terminal, such as a transcript file.
///
/// ```
/// use std::io;
/// use std::sync::{Arc, Mutex};
/// use ws::{Console, Line, Role, Sink};
///
/// struct Errors(Arc<Mutex<usize>>); // counts the error lines
/// impl Sink for Errors {
///     fn line(&mut self, line: &Line) -> io::Result<()> {
///         let error = line.segments.iter().any(|s| s.role == Role::Error);
///         Ok(*self.0.lock().unwrap() += usize::from(error))
///     }
///     fn finish(&mut self) -> io::Result<()> { Ok(()) }
/// }
/// let count = Arc::new(Mutex::new(0));
/// let console = Console::silent();
/// console.add_sink(Box::new(Errors(count.clone())));
/// let mut session = ws::Session::builder().console(console).build()?;
/// session.eval_line("nonsense(");
/// assert_eq!(*count.lock().unwrap(), 1);
/// # Ok::<(), ws::Error>(())
/// ```
pub trait Sink: Send {
    /// Takes one line, as it is printed.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let path = std::env::temp_dir().join(format!("ws-doc-{}-line.txt", std::process::id()));
    /// let mut sink = ws::transcript::open(&path, 80)?;
    /// sink.line(&Line::of(Role::Info, "one"))?;
    /// sink.line(&Line::of(Role::Info, "two"))?;
    /// sink.finish()?;
    /// assert_eq!(std::fs::read_to_string(&path)?, "one\ntwo\n");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn line(&mut self, line: &Line) -> io::Result<()>;
    /// Completes the output (closing tags, final assembly). Called once.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let path = std::env::temp_dir().join(format!("ws-doc-{}-finish.svg", std::process::id()));
    /// let mut sink = ws::transcript::open(&path, 80)?;
    /// sink.line(&Line::of(Role::Info, "hello"))?;
    /// sink.finish()?; // the picture is complete
    /// assert!(std::fs::read_to_string(&path)?.trim_end().ends_with("</svg>"));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn finish(&mut self) -> io::Result<()>;
}

/// Where a line goes on the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Out,
    /// Standard error.
    Err,
    /// Not to the terminal at all (it already shows it, like a typed line),
    /// only to the sinks.
    SinksOnly,
}

/// Where everything a session shows goes: the terminal (or nowhere, see
/// [`Console::silent`]) and every [`Sink`] attached. A cloneable handle:
/// every clone is the same console, shared by the connection, the engine
/// and the prompt.
///
/// ```
/// use ws::{Console, Role};
///
/// let seen = ws::transcript::Recorder::new(100);
/// let console = Console::silent();
/// console.add_sink(Box::new(seen.clone()));
/// let clone = console.clone(); // the same console
/// clone.say(Role::Success, "done");
/// assert_eq!(seen.text(), "done");
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone)]
pub struct Console {
    inner: Arc<Mutex<Inner>>,
    /// Whether incoming traffic goes anywhere, and whether to a sink, read
    /// without the lock (a connection's task asks for each message).
    traffic: Arc<[AtomicBool; 2]>,
}

struct Inner {
    terminal: Terminal,
    sinks: Vec<SinkSlot>,
    quiet: bool,
}

struct SinkSlot {
    sink: Box<dyn Sink>,
    failed: bool,
}

impl Console {
    /// A console on this process's standard output and error, with colours
    /// when they are terminals and `NO_COLOR` is not set.
    ///
    /// ```
    /// let console = ws::Console::stdio();
    /// assert!(!console.quiet());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn stdio() -> Self {
        Self::with_terminal(Terminal::stdio())
    }

    /// A console whose terminal output is discarded (sinks still get every
    /// line). Useful for embedding and tests.
    ///
    /// ```
    /// let (seen, console) = (ws::transcript::Recorder::new(100), ws::Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// console.say(ws::Role::Info, "not on the terminal, but in the sink");
    /// assert_eq!(seen.text(), "not on the terminal, but in the sink");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn silent() -> Self {
        Self::with_terminal(Terminal::silent())
    }

    fn with_terminal(terminal: Terminal) -> Self {
        let inner = Inner {
            terminal,
            sinks: Vec::new(),
            quiet: false,
        };
        let console = Self {
            inner: Arc::new(Mutex::new(inner)),
            traffic: Arc::new([AtomicBool::new(false), AtomicBool::new(false)]),
        };
        console.note_traffic(&console.lock());
        console
    }

    /// Notes whether traffic goes anywhere, after a change under the lock.
    fn note_traffic(&self, inner: &Inner) {
        let on_terminal = !inner.quiet && !inner.terminal.silent;
        let in_sinks = !inner.sinks.is_empty();
        self.traffic[0].store(on_terminal || in_sinks, Ordering::Relaxed);
        self.traffic[1].store(in_sinks, Ordering::Relaxed);
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a sink; it receives every line from now on.
    ///
    /// ```
    /// let console = ws::Console::silent();
    /// console.say(ws::Role::Info, "before");
    /// let seen = ws::transcript::Recorder::new(100);
    /// console.add_sink(Box::new(seen.clone()));
    /// console.say(ws::Role::Info, "after");
    /// assert_eq!(seen.text(), "after");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn add_sink(&self, sink: Box<dyn Sink>) {
        let mut inner = self.lock();
        inner.sinks.push(SinkSlot {
            sink,
            failed: false,
        });
        self.note_traffic(&inner);
    }

    /// Hides incoming traffic on the terminal (sinks still get it).
    ///
    /// ```
    /// use ws::{Console, EchoServer, Session};
    ///
    /// let server = EchoServer::start()?;
    /// let (seen, console) = (ws::transcript::Recorder::new(100), Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// console.set_quiet(true);
    /// let mut session = Session::builder().url(server.url()).console(console).build()?;
    /// session.run_script("echo", r#"text("hi"); recv();"#)?;
    /// assert!(seen.text().contains("hi")); // the sink still gets it
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn set_quiet(&self, quiet: bool) {
        let mut inner = self.lock();
        inner.quiet = quiet;
        self.note_traffic(&inner);
    }

    /// Whether incoming traffic is hidden on the terminal.
    ///
    /// ```
    /// let console = ws::Console::silent();
    /// assert!(!console.quiet());
    /// console.clone().set_quiet(true);
    /// assert!(console.quiet());
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn quiet(&self) -> bool {
        self.lock().quiet
    }

    /// Whether incoming traffic goes anywhere: to the terminal, or to a sink.
    pub(crate) fn shows_traffic(&self) -> bool {
        self.traffic[0].load(Ordering::Relaxed)
    }

    /// Whether a line of traffic is worth rendering now: it goes to a sink,
    /// or the terminal has room for it (else it is counted as not shown,
    /// and its rendering is saved).
    pub(crate) fn takes_traffic(&self) -> bool {
        self.shows_traffic() && (self.traffic[1].load(Ordering::Relaxed) || display::has_room())
    }

    /// Prints a line on standard output.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let (seen, console) = (ws::transcript::Recorder::new(100), ws::Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// console.out(Line::of(Role::Info, "took ").push(Role::Number, "12").push(Role::Info, " ms"));
    /// assert_eq!(seen.text(), "took 12 ms");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn out(&self, line: Line) {
        self.emit(Stream::Out, line);
    }

    /// Prints a line on standard error.
    ///
    /// ```
    /// use ws::{Line, Role};
    ///
    /// let (seen, console) = (ws::transcript::Recorder::new(100), ws::Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// console.err(Line::of(Role::Error, "it broke"));
    /// assert_eq!(seen.text(), "it broke"); // sinks get both streams
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn err(&self, line: Line) {
        self.emit(Stream::Err, line);
    }

    /// Prints lines in one go, so no other output comes between them:
    /// the sinks get them now, the terminal through the display thread
    /// (handed over once the console is free again, so a terminal that
    /// does not keep up never holds the console).
    pub(crate) fn emit_all(&self, stream: Stream, lines: Vec<Line>) {
        let piece = {
            let mut inner = self.lock();
            for line in &lines {
                inner.hand_to_sinks(line);
            }
            inner.terminal.paint(stream, &lines)
        };
        if let Some(piece) = piece {
            display::show(piece);
        }
    }

    /// Prints one line.
    pub(crate) fn emit(&self, stream: Stream, line: Line) {
        self.emit_all(stream, vec![line]);
    }

    /// Shortcut for a one-segment line on standard output.
    ///
    /// ```
    /// let (seen, console) = (ws::transcript::Recorder::new(100), ws::Console::silent());
    /// console.add_sink(Box::new(seen.clone()));
    /// console.say(ws::Role::Warning, "careful");
    /// assert_eq!(seen.text(), "careful");
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn say(&self, role: Role, text: impl Into<String>) {
        self.out(Line::of(role, text));
    }

    /// Writes out pending terminal output and completes every sink. The
    /// console still prints to the terminal afterwards.
    ///
    /// ```
    /// use ws::{Console, Role};
    ///
    /// let path = std::env::temp_dir().join(format!("ws-doc-{}-console.txt", std::process::id()));
    /// let console = Console::silent();
    /// console.add_sink(ws::transcript::open(&path, 80)?);
    /// console.say(Role::Info, "all done");
    /// console.finish(); // the transcript is complete (and detached)
    /// console.say(Role::Info, "not in the file");
    /// assert_eq!(std::fs::read_to_string(&path)?, "all done\n");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish(&self) {
        let mut inner = self.lock();
        let sinks = std::mem::take(&mut inner.sinks);
        self.note_traffic(&inner);
        let lines: Vec<Line> = sinks
            .into_iter()
            .filter(|slot| !slot.failed)
            .filter_map(|mut slot| slot.sink.finish().err())
            .map(|e| {
                Line::of(
                    Role::Error,
                    format!("ws: could not complete the transcript: {e}"),
                )
            })
            .collect();
        let piece = inner.terminal.paint(Stream::Err, &lines);
        drop(inner);
        if let Some(piece) = piece {
            display::show(piece);
        }
        display::settle();
    }

    /// Routes terminal output through a printer that keeps an open prompt
    /// intact (see [`PromptPrinter`]); `None` goes back to direct writes.
    pub(crate) fn set_prompt_printer(&self, printer: Option<PromptPrinter>) {
        display::set_prompt_printer(printer);
    }

    /// Waits until everything printed so far has reached the terminal, at
    /// most `limit`.
    pub(crate) fn flush(&self, limit: std::time::Duration) {
        display::flush(Some(limit));
    }
}

impl Inner {
    /// Hands a line to every sink; one that fails is dropped with a notice.
    fn hand_to_sinks(&mut self, line: &Line) {
        let mut failure = None;
        for slot in self.sinks.iter_mut().filter(|s| !s.failed) {
            if let Err(e) = slot.sink.line(line) {
                slot.failed = true;
                failure = Some(e);
            }
        }
        if let Some(e) = failure {
            let notice = Line::of(
                Role::Error,
                format!(
                    "ws: writing the transcript failed ({}); the console goes on without it",
                    crate::error::io_reason(&e)
                ),
            );
            if let Some(piece) = self.terminal.paint(Stream::Err, &[notice]) {
                display::show(piece);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Arc<Mutex<Vec<String>>>, bool);

    impl Sink for Collect {
        fn line(&mut self, line: &Line) -> io::Result<()> {
            if self.1 {
                return Err(io::Error::other("disk full"));
            }
            self.0.lock().unwrap().push(line.plain());
            Ok(())
        }
        fn finish(&mut self) -> io::Result<()> {
            self.0.lock().unwrap().push("<end>".into());
            Ok(())
        }
    }

    #[test]
    fn sinks_get_every_line_including_sinks_only() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let console = Console::silent();
        console.add_sink(Box::new(Collect(seen.clone(), false)));
        console.say(Role::Info, "hello");
        console.emit(Stream::SinksOnly, Line::of(Role::Input, "typed"));
        console.finish();
        assert_eq!(*seen.lock().unwrap(), ["hello", "typed", "<end>"]);
    }

    #[test]
    fn a_failing_sink_is_dropped_and_the_rest_goes_on() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let console = Console::silent();
        console.add_sink(Box::new(Collect(Arc::default(), true)));
        console.add_sink(Box::new(Collect(seen.clone(), false)));
        console.say(Role::Info, "one");
        console.say(Role::Info, "two");
        assert_eq!(*seen.lock().unwrap(), ["one", "two"]);
    }

    #[test]
    fn traffic_is_shown_while_a_terminal_or_a_sink_takes_it() {
        let console = Console::silent();
        assert!(!console.shows_traffic());
        console.add_sink(Box::new(Collect(Arc::default(), false)));
        assert!(console.clone().shows_traffic());
        console.finish();
        assert!(!console.shows_traffic());
        let terminal = Console::stdio();
        assert!(terminal.shows_traffic());
        terminal.set_quiet(true);
        assert!(!terminal.shows_traffic());
    }
}
