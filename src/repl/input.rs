//! Where lines come from: rustyline on its own thread when standard input
//! is a terminal (history, completion, hints, and output printed above the
//! prompt), plain lines from standard input otherwise. Both read a whole
//! Rhai block before handing it on, so multi-line loops work either way.

use std::io::{ErrorKind, IsTerminal};
use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::thread;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{Cmd, Config, Editor, KeyCode, KeyEvent, Modifiers};

use super::PROMPT;
use super::helper::ReplHelper;
use crate::bounded::TextLines;
use crate::session::{Control, Session};

/// Lets the reader show the next prompt.
pub(crate) struct Reader {
    ready: Option<Sender<()>>,
}

impl Reader {
    /// The previous line is done: prompt for the next.
    pub(crate) fn ready(&self) {
        if let Some(ready) = &self.ready {
            let _ = ready.send(());
        }
    }
}

/// Starts reading lines into the session's control channel.
pub(crate) fn start(session: &Session) -> Reader {
    let control = session.control();
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        match editor() {
            Ok(mut editor) => {
                if let Ok(mut printer) = editor.create_external_printer() {
                    let print =
                        move |text| rustyline::ExternalPrinter::print(&mut printer, text).is_ok();
                    session.console().set_prompt_printer(Some(Box::new(print)));
                }
                return spawn_editor(editor, control);
            }
            Err(_) => return spawn_plain(control, session.line_limit()),
        }
    }
    spawn_plain(control, session.line_limit())
}

/// The one editor of the session. Input it has read ahead (a paste, keys
/// typed while a line runs) stays in its buffer from one `readline` to the
/// next (rustyline's `buffer-redux`), so every line runs in order as if
/// typed one by one. Bracketed paste is off, and its markers are ignored
/// when a terminal sends them anyway: each Enter in a paste ends a line, and
/// a Rhai block cut short still joins with the lines after it.
fn editor() -> rustyline::Result<Editor<ReplHelper, FileHistory>> {
    let config = Config::builder()
        .auto_add_history(false)
        .history_ignore_dups(true)?
        .max_history_size(5000)?
        .bracketed_paste(false)
        .build();
    let mut editor = Editor::with_config(config)?;
    for marker in [KeyCode::BracketedPasteStart, KeyCode::BracketedPasteEnd] {
        editor.bind_sequence(KeyEvent(marker, Modifiers::NONE), Cmd::Noop);
    }
    editor.set_helper(Some(ReplHelper::default()));
    if let Some(path) = history_path() {
        let _ = editor.load_history(&path);
    }
    Ok(editor)
}

/// The history file: `$XDG_DATA_HOME/ws/history.txt` or the platform's data dir.
pub(crate) fn history_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "ws")?;
    let dir = dirs.data_dir();
    std::fs::create_dir_all(dir).ok()?;
    Some(dir.join("history.txt"))
}

fn spawn_editor(mut editor: Editor<ReplHelper, FileHistory>, control: Sender<Control>) -> Reader {
    let (ready, wait) = mpsc::channel::<()>();
    let history = history_path();
    thread::Builder::new()
        .name("ws-prompt".into())
        .spawn(move || {
            while wait.recv().is_ok() {
                set_title();
                let event = match editor.readline(PROMPT) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = editor.add_history_entry(line.as_str());
                            if let Some(path) = &history {
                                let _ = editor.append_history(path);
                            }
                        }
                        Control::Line(line)
                    }
                    Err(ReadlineError::Interrupted) => Control::Interrupted,
                    Err(_) => Control::Eof,
                };
                let last = matches!(event, Control::Eof);
                if control.send(event).is_err() || last {
                    break;
                }
            }
        })
        .map(|_| Reader { ready: Some(ready) })
        .unwrap_or(Reader { ready: None })
}

/// Names the terminal window, as shells do at each prompt.
fn set_title() {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(b"\x1b]0;ws session\x07");
    let _ = out.flush();
}

fn spawn_plain(control: Sender<Control>, limit: usize) -> Reader {
    let _ = thread::Builder::new()
        .name("ws-stdin".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut pending = String::new();
            // Each line is read up to max_message_size: a longer one (or
            // one that is not text) is refused with its number, and the
            // input goes on.
            for line in TextLines::new(stdin.lock(), limit) {
                let line = match line {
                    Ok(line) => line,
                    Err(e)
                        if matches!(e.kind(), ErrorKind::FileTooLarge | ErrorKind::InvalidData) =>
                    {
                        let why = format!("ws: error: {e} of standard input; it was not run");
                        if control.send(Control::Refused(why)).is_err() {
                            return;
                        }
                        continue;
                    }
                    Err(_) => break,
                };
                if !pending.is_empty() {
                    pending.push('\n');
                }
                pending.push_str(&line);
                if crate::script::needs_more(&pending) {
                    continue;
                }
                if control
                    .send(Control::Line(std::mem::take(&mut pending)))
                    .is_err()
                {
                    return;
                }
            }
            if !pending.is_empty() {
                let _ = control.send(Control::Line(pending));
            }
            let _ = control.send(Control::Eof);
        });
    Reader { ready: None }
}

/// The terminal's settings at start, put back when the session ends even
/// if the prompt thread is still inside `readline`.
pub(crate) struct Terminal {
    saved: Option<crate::os::TerminalMode>,
}

impl Terminal {
    pub(crate) fn save() -> Self {
        Self {
            saved: crate::os::TerminalMode::save(),
        }
    }

    pub(crate) fn restore(&self) {
        if let Some(mode) = &self.saved {
            mode.restore();
            use std::io::Write;
            let _ = std::io::stdout().write_all(b"\n");
            let _ = std::io::stdout().flush();
        }
    }
}
