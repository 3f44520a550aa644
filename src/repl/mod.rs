//! The interactive loop. The session (and its Rhai engine) stays on this
//! thread; lines come from a reader thread (rustyline on a terminal, plain
//! lines otherwise) over one control channel, which also carries the end
//! of the connection and signals. While a line runs, Ctrl+C and SIGTERM set
//! the interrupt flag that every blocking function watches.

mod helper;
mod input;

use std::time::Duration;

use crate::connection::CloseInfo;
use crate::console::render::close_line;
use crate::console::{Line, Mark, Role, Stream};
use crate::session::{Control, Outcome, Session};

/// The prompt.
pub(crate) const PROMPT: &str = "ws> ";

/// The interactive loop is the repl's to run: the session itself knows
/// nothing of prompts, so the two modules do not depend on each other.
impl Session {
    /// Runs the interactive loop until the session ends; returns the exit
    /// status. It prints the welcome, then reads lines (with rustyline on a
    /// terminal, plain lines from standard input otherwise) and runs each
    /// with [`eval_line`](Session::eval_line); Ctrl+C interrupts the line
    /// that runs. The status is 0 after `quit`, Ctrl+D or a normal close
    /// by the server, 1 after an abnormal one, `n` after `exit(n)` and 130
    /// after SIGTERM. The console is finished ([`Console::finish`]) at the
    /// end.
    ///
    /// [`Console::finish`]: crate::Console::finish
    ///
    /// ```no_run
    /// let mut session = ws::Session::builder()
    ///     .url("ws://localhost:8000/")
    ///     .interactive(true)
    ///     .build()?;
    /// let status = session.repl(); // prompts until the session ends
    /// if status != 0 {
    ///     eprintln!("the session ended with status {status}");
    /// }
    /// # Ok::<(), ws::Error>(())
    /// ```
    pub fn repl(&mut self) -> i32 {
        run(self, None)
    }

    /// Runs `script` (named `name` in messages) as the first input, after
    /// the welcome, then the interactive loop; returns the exit status.
    pub(crate) fn repl_after_script(&mut self, name: &str, script: &str) -> i32 {
        run(self, Some((name, script)))
    }
}

/// Runs the session's interactive loop; returns the exit status.
fn run(session: &mut Session, script: Option<(&str, &str)>) -> i32 {
    let terminal = input::Terminal::save();
    let reader = input::start(session);
    let control = session.control();
    let terminate = move || {
        let _ = control.send(Control::Terminate);
    };
    crate::signals::install(session.interrupt(), Some(Box::new(terminate)));
    session.console().emit_all(Stream::Out, session.welcome());
    session.release_traffic();
    let started = match script {
        Some((name, text)) => session.eval_script(name, text),
        None => Outcome::Continue,
    };
    let started = match started {
        Outcome::Continue => session.greet(),
        end => end,
    };
    let mut closed = None;
    let status = match started {
        Outcome::End(status) => status,
        Outcome::Continue => lines(session, &reader, &mut closed),
    };
    session.console().flush(Duration::from_secs(1));
    session.console().set_prompt_printer(None);
    terminal.restore();
    if let Some(info) = closed {
        session.console().out(close_line(&info));
    }
    session.console().finish();
    status
}

/// Prompts and runs lines until the session ends; returns the exit status
/// and, when the connection ended it, how.
fn lines(session: &mut Session, reader: &input::Reader, closed: &mut Option<CloseInfo>) -> i32 {
    prompt(session, reader);
    loop {
        let Ok(control) = session.controls().recv() else {
            break 0;
        };
        match control {
            Control::Line(line) => {
                session.console().emit(
                    Stream::SinksOnly,
                    Line::of(Role::Prompt, PROMPT)
                        .push(Role::Input, line.clone())
                        .marked(Mark::Typed),
                );
                if let Outcome::End(status) = session.eval_line(&line) {
                    break status;
                }
                prompt(session, reader);
            }
            Control::Refused(why) => {
                session.console().err(Line::of(Role::Error, why));
                prompt(session, reader);
            }
            Control::Interrupted => prompt(session, reader),
            Control::Reconnected => {
                if let Outcome::End(status) = session.greet() {
                    break status;
                }
            }
            Control::Eof => {
                if let Outcome::End(status) = session.eval_line("quit") {
                    break status;
                }
                break 0;
            }
            Control::Closed(info) => {
                *closed = Some(info.clone());
                break if info.is_normal() { 0 } else { 1 };
            }
            Control::Terminate => {
                session.close_all(1001);
                break 130;
            }
        }
    }
}

/// Shows the next prompt once everything printed so far is on the screen,
/// so nothing is left queued for a prompt that is already gone. The wait is
/// short: output stuck in rustyline's one-slot queue is freed by the prompt.
fn prompt(session: &Session, reader: &input::Reader) {
    session.console().flush(Duration::from_millis(200));
    reader.ready();
}
