//! The interactive loop. The session (and its Rhai engine) stays on this
//! thread; lines come from a reader thread (rustyline on a terminal, plain
//! lines otherwise) over one control channel, which also carries the end
//! of the connection and signals. While a line runs, Ctrl+C and SIGTERM set
//! the interrupt flag that every blocking function watches.

mod helper;
mod input;
pub(crate) mod signals;

use crate::console::{Line, Role, Stream};
use crate::session::{Control, Outcome, Session};

/// The prompt.
pub(crate) const PROMPT: &str = "ws> ";

/// Runs the session's interactive loop; returns the exit status.
pub(crate) fn run(session: &mut Session) -> i32 {
    let terminal = input::Terminal::save();
    let reader = input::start(session);
    signals::install(session.interrupt_flag(), Some(session.control()));
    session.console().emit_all(Stream::Out, session.welcome());
    reader.ready();
    let status = loop {
        let Ok(control) = session.controls().recv() else {
            break 0;
        };
        match control {
            Control::Line(line) => {
                session.console().emit(
                    Stream::SinksOnly,
                    Line::of(Role::Prompt, PROMPT).push(Role::Input, line.clone()),
                );
                if let Outcome::End(status) = session.eval_line(&line) {
                    break status;
                }
                reader.ready();
            }
            Control::Interrupted => reader.ready(),
            Control::Eof => {
                if let Outcome::End(status) = session.eval_line("quit") {
                    break status;
                }
                break 0;
            }
            Control::Closed(info) => break if info.is_normal() { 0 } else { 1 },
            Control::Terminate => {
                session.close_all(1001);
                break 130;
            }
        }
    };
    session.console().flush();
    session.console().set_prompt_printer(None);
    terminal.restore();
    session.console().finish();
    status
}
