//! Any frames from a server through an application protocol's adapter
//! (Socket.IO, GraphQL, STOMP, JSON-RPC), with its timer run between them:
//! never a panic; a decoded message is a map (or a JSON-RPC batch); a
//! protocol that queues frames queues text; a timer that fires either
//! acts, moving its deadline on, or ends the connection.
//!
//! The input: a setup byte (its low two bits pick the protocol, bit 2 the
//! subprotocol the server chose), then chunks separated by 0xFF, each a
//! kind byte and its bytes: a text frame (kind 0 mod 3, the bytes read as
//! UTF-8 with replacements), a binary frame (1), or the timer run that
//! many seconds (the bytes as a little-endian number) after the start (2).

#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use ws::Message;
use ws::protocol::{Incoming, Outbox, Protocol, Request};

/// The protocols, as the setup byte's low two bits pick them.
const NAMES: [&str; 4] = ["socketio", "graphql", "stomp", "jsonrpc"];

fuzz_target!(|data: &[u8]| {
    let Some((&setup, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(setup & 3)];
    let Some(mut protocol) = ws::internals::protocol(name) else {
        return;
    };
    let subprotocol = subprotocol(name, setup & 4 != 0);
    let mut request = Request {
        host: "localhost".into(),
        path: "/admin?token=x".into(),
        ..Request::default()
    };
    protocol.prepare(&mut request);
    let start = Instant::now();
    let mut out = Outbox::default();
    protocol.opened(subprotocol, &mut out);
    check_sent(&mut out);
    for chunk in rest.split(|&b| b == 0xff) {
        let Some((&kind, bytes)) = chunk.split_first() else {
            continue;
        };
        let ended = match kind % 3 {
            0 => feed(
                protocol.as_mut(),
                Message::Text(String::from_utf8_lossy(bytes).into()),
            ),
            1 => feed(protocol.as_mut(), Message::Binary(bytes.to_vec())),
            _ => tick(protocol.as_mut(), start, bytes),
        };
        if ended {
            return;
        }
    }
});

/// The subprotocol a server of `name` may choose.
fn subprotocol(name: &str, other: bool) -> Option<&'static str> {
    match (name, other) {
        ("graphql", false) => Some("graphql-transport-ws"),
        ("graphql", true) => Some("graphql-ws"),
        ("stomp", false) => Some("v12.stomp"),
        ("stomp", true) => Some("v10.stomp"),
        _ => None,
    }
}

/// One frame from the server; whether it ended the connection.
fn feed(protocol: &mut dyn Protocol, message: Message) -> bool {
    let mut out = Outbox::default();
    let seen = protocol.incoming(&message, &mut out);
    check_sent(&mut out);
    match seen {
        Incoming::Message(decoded) => {
            assert!(
                decoded.value.is_object() || decoded.value.is_array(),
                "a decoded message that is not a map: {:?}",
                decoded.value
            );
            false
        }
        Incoming::Refused(_) => true,
        Incoming::Own(_) | Incoming::Malformed(_) => false,
    }
}

/// Runs the timer `bytes` seconds after `start`, and at its deadline if it
/// has one; whether it ended the connection.
fn tick(protocol: &mut dyn Protocol, start: Instant, bytes: &[u8]) -> bool {
    let mut seconds = [0; 8];
    for (to, from) in seconds.iter_mut().zip(bytes) {
        *to = *from;
    }
    let Some(now) = start.checked_add(Duration::from_secs(u64::from_le_bytes(seconds))) else {
        return false;
    };
    let mut out = Outbox::default();
    if protocol.tick(now, &mut out).is_some() {
        return true;
    }
    check_sent(&mut out);
    let Some(deadline) = protocol.deadline() else {
        return false;
    };
    if protocol.tick(deadline, &mut out).is_some() {
        return true;
    }
    check_sent(&mut out);
    assert!(
        protocol.deadline() != Some(deadline),
        "the timer fired at its deadline and left it where it was"
    );
    false
}

/// What a protocol queued is text.
fn check_sent(out: &mut Outbox) {
    for message in out.take() {
        assert!(
            matches!(message, Message::Text(_)),
            "a protocol queued {message:?}"
        );
    }
}
