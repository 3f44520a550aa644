//! Shows a connection's events on a console as they happen: messages,
//! pings, unsolicited pongs, keepalive notes, reconnections and the end of
//! the connection.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::render::{close_line, control_line, message_lines, notice};
use super::{Console, Line, Role, Stream};
use crate::connection::{CloseInfo, Closer, Event, Note, Observer};

/// Called once with how a connection ended.
pub type OnClose = Box<dyn Fn(&CloseInfo) + Send + Sync>;

/// What to show and whom to tell when the connection ends.
pub struct TrafficView {
    /// Pretty-print JSON text messages.
    pub json: bool,
    /// A label put before each line (for second connections).
    pub label: Option<String>,
    /// Show the end of the connection (a console that ends with it may
    /// rather say so itself, after its prompt is gone).
    pub announce_close: bool,
    /// Called once with how the connection ended, after the notice is shown.
    pub on_close: Option<OnClose>,
    /// Holds what is shown until released (a greeting after the banner).
    pub hold: Option<Hold>,
}

/// Lines held back until [`Hold::release`], so that what a server sends on
/// connect is shown after the console's welcome, not above it.
#[derive(Clone, Default)]
pub struct Hold(Arc<Mutex<Option<Vec<Held>>>>);

/// Lines held back, with where they go.
type Held = (Stream, Vec<Line>);

impl Hold {
    /// A hold that keeps every line until released.
    pub fn new() -> Self {
        Hold(Arc::new(Mutex::new(Some(Vec::new()))))
    }

    /// Shows what was held, in order, and lets later lines through.
    pub fn release(&self, console: &Console) {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for (stream, lines) in held.take().unwrap_or_default() {
            console.emit_all(stream, lines);
        }
    }

    /// Holds lines again (until the next release); whether it was off.
    pub fn arm(&self) -> bool {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let was_off = held.is_none();
        held.get_or_insert_with(Vec::new);
        was_off
    }

    /// Keeps the lines if the hold is on; gives them back otherwise.
    fn keep(&self, stream: Stream, lines: Vec<Line>) -> Option<Vec<Line>> {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match held.as_mut() {
            Some(queue) => {
                queue.push((stream, lines));
                None
            }
            None => Some(lines),
        }
    }
}

/// An observer that renders every event of a connection on `console`
/// (what the peer sent only while traffic goes anywhere).
pub fn observer(console: Console, view: TrafficView) -> Observer {
    Observer::new(move |event| {
        // What the peer sent is what `-q` hides; notices (a reconnect, the
        // close) show regardless.
        let received = matches!(
            event,
            Event::Message(_)
                | Event::Ping(_)
                | Event::Pong(_)
                | Event::Frame { .. }
                | Event::Malformed { .. }
        );
        if received && !console.takes_traffic() {
            // Rendering what nobody sees is skipped (quiet, no transcript,
            // a terminal that does not keep up).
            return;
        }
        let mut lines: Vec<Line> = notice(event).into_iter().collect();
        match event {
            Event::Message(message) | Event::Malformed { message, .. } => {
                lines.extend(message_lines(message, SystemTime::now(), view.json));
            }
            Event::Ping(payload) => lines.push(control_line("ping", payload, SystemTime::now())),
            Event::Pong(payload) => lines.push(control_line("pong", payload, SystemTime::now())),
            Event::Keepalive(note) => {
                let text = match note {
                    Note::Ping => "keepalive ping sent",
                    Note::Pong => "keepalive pong received",
                };
                lines.push(Line::of(Role::Muted, text));
            }
            Event::Frame { .. } | Event::Reconnecting(_) | Event::Reconnected(_) => {}
            Event::Closed(info) => {
                // Our own close is confirmed by whoever asked for it.
                if view.announce_close && info.by != Closer::Us {
                    show(&console, &view, Stream::Out, vec![close_line(info)]);
                }
                if let Some(notify) = &view.on_close {
                    notify(info);
                }
                return;
            }
        }
        let stream = if console.quiet() && received {
            Stream::SinksOnly
        } else {
            Stream::Out
        };
        show(&console, &view, stream, lines);
    })
}

fn show(console: &Console, view: &TrafficView, stream: Stream, mut lines: Vec<Line>) {
    if let Some(label) = &view.label {
        for line in &mut lines {
            line.segments.insert(
                0,
                super::Segment {
                    role: Role::Muted,
                    text: format!("[{label}] "),
                },
            );
        }
    }
    let shown = match &view.hold {
        Some(hold) => hold.keep(stream, lines),
        None => Some(lines),
    };
    if let Some(lines) = shown {
        console.emit_all(stream, lines);
    }
}
