//! The task that drives a [`Connection`](super::Connection)'s client: it
//! takes the handles' commands, shows every event through the observer
//! (the console, on its own thread, never makes it wait) and keeps the
//! messages in the inbox for `recv`, in arrival order. When the inbox's
//! budget is full it stops reading until `recv` has taken some (flow
//! control: nothing is dropped). What a send charged to the command queue
//! is given back once it is written out, so a script that sends faster
//! than the peer takes waits. When every handle is gone it closes with
//! 1000.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};

use super::client::{Client, Command, Event};
use super::handle::{Inbound, Shared};
use super::{CloseInfo, Observer};

/// Runs until the connection ends.
pub(super) async fn run(mut client: Client, shared: Arc<Shared>, observer: Observer) {
    client.charge_to(shared.commands.budget().clone());
    let mut handles_gone = false;
    let info = loop {
        let paused = shared.keeps() && shared.inbox.budget().is_full();
        client.set_reading(!paused);
        tokio::select! {
            biased;
            command = shared.commands.pop_charged(), if !handles_gone => match command {
                Some((command, weight)) => take(&mut client, &shared, command, weight),
                None => {
                    handles_gone = true;
                    client.close(1000, "");
                }
            },
            () = shared.inbox.budget().room(), if paused => {}
            event = client.next() => {
                if let Some(end) = deliver(event, &shared, &observer) {
                    break end;
                }
            }
        }
    };
    observer.see(&Event::Closed(info.clone()));
    shared.ended.send_replace(Some(info));
    shared.inbox.close();
    shared.commands.close();
    shared.commands.drain();
}

/// Hands a command to the client; a message stays charged until written.
fn take(client: &mut Client, shared: &Shared, command: Command, weight: usize) {
    if !matches!(command, Command::Send(..)) {
        shared.commands.budget().give_back(1, weight);
    }
    client.command(command);
}

/// Shows an event, then keeps what `recv` may want; the end, at the end.
fn deliver(event: Event, shared: &Shared, observer: &Observer) -> Option<CloseInfo> {
    match &event {
        Event::Closed(info) => return Some(info.clone()),
        Event::Reconnected(_) => {
            shared.connections.fetch_add(1, Ordering::SeqCst);
        }
        _ => {}
    }
    observer.see(&event);
    let kept = match event {
        Event::Message(message) | Event::Malformed { message, .. } => Inbound::Message(message),
        Event::Reconnected(_) => Inbound::Reconnected,
        _ => return None,
    };
    if shared.keeps() {
        let _ = shared.inbox.push_over(kept);
    }
    None
}

/// A broken connection, described in one sentence.
pub(crate) fn describe(error: &WsError) -> String {
    match error {
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake)
        | WsError::ConnectionClosed
        | WsError::AlreadyClosed => "the connection was dropped without a close frame".into(),
        WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => format!(
            "a message of {size} bytes arrived, over max_message_size ({max_size} bytes); raise it with --max-message-size"
        ),
        WsError::Utf8(_) => {
            "the server sent text that is not valid UTF-8 (in a text message or a close reason)"
                .into()
        }
        WsError::Protocol(e) => format!("the server broke the websocket protocol: {e}"),
        WsError::Io(e) => match super::deflate::inflate_error(e) {
            Some(refused) => refused.to_string(),
            None => format!("the connection was dropped: {}", crate::error::io_reason(e)),
        },
        other => format!("the connection failed: {other}"),
    }
}
