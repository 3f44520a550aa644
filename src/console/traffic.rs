//! Shows a connection's events on a console as they happen: messages,
//! pings, unsolicited pongs, queue overflows and the end of the connection.

use std::sync::Arc;
use std::time::SystemTime;

use super::render::{close_line, control_line, message_lines};
use super::{Console, Line, Role, Stream};
use crate::connection::{CloseInfo, Closer, Event, Observer};

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
}

/// An observer that renders every event of a connection on `console`.
pub fn observer(console: Console, view: TrafficView) -> Observer {
    Arc::new(move |event| {
        let lines = match event {
            // Rendering a message nobody sees is skipped (quiet, no transcript).
            Event::Message(_) if !console.shows_traffic() => return,
            Event::Message(message) => message_lines(message, SystemTime::now(), view.json),
            Event::Ping(payload) => vec![control_line("ping", payload, SystemTime::now())],
            Event::Pong(payload) => vec![control_line("pong", payload, SystemTime::now())],
            Event::Overflow(dropped) => vec![Line::of(
                Role::Warning,
                format!("The receive queue is full: dropped the {dropped} oldest message(s)."),
            )],
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
        };
        let stream = if console.quiet() {
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
    console.emit_all(stream, lines);
}
