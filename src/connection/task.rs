//! The task that drives a [`Connection`](super::Connection)'s client: it
//! takes the handles' commands, shows every event through the observer
//! (the console, on its own thread, never makes it wait) and keeps the
//! messages in the inbox for `recv`, in arrival order. When the inbox's
//! budget is full it stops reading until `recv` has taken some (flow
//! control: nothing is dropped). What a send charged to the command queue
//! is given back once it is written out, so a script that sends faster
//! than the peer takes waits. When every handle is gone it closes with
//! 1000. The handles and the task share a [`Shared`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::watch;

use super::client::{Client, Command, Event, Observer};
use super::close::CloseInfo;
use super::deflate;
use super::engine::cost;
use crate::cancel::Interrupt;
use crate::message::Message;
use crate::queue::{Queue, Weigh};

/// What the task puts in the inbox, in the order it happened.
pub(super) enum Inbound {
    Message(Message),
    /// A new connection opened (`--reconnect`).
    Reconnected,
}

impl Weigh for Inbound {
    fn weight(&self) -> usize {
        match self {
            Inbound::Message(message) => cost(message.len()),
            Inbound::Reconnected => cost(0),
        }
    }
}

/// What the handles and the task share.
pub(super) struct Shared {
    pub url: String,
    pub subprotocol: Option<String>,
    pub compression: Option<deflate::Params>,
    pub commands: Queue<Command>,
    pub inbox: Queue<Inbound>,
    /// Whether messages are kept for `recv` (else shown and let go).
    pub keep: AtomicBool,
    /// How the connection ended, as soon as the task knows.
    pub ended: watch::Sender<Option<CloseInfo>>,
    /// Connections made so far (more than one after a reconnect).
    pub connections: AtomicU64,
    pub disconnect_timeout: Duration,
    pub max_message_size: usize,
    pub interrupt: Interrupt,
    /// The application protocol spoken, if any.
    pub protocol: Option<&'static str>,
    /// The last id given to a request of the protocol (an ack, a
    /// subscription, a call).
    pub ids: AtomicU64,
}

impl Shared {
    pub(super) fn keeps(&self) -> bool {
        self.keep.load(Ordering::Relaxed)
    }
}

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
    if let Event::Closed(info) = event {
        return Some(info);
    }
    if let Event::Reconnected(_) = event {
        shared.connections.fetch_add(1, Ordering::SeqCst);
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
