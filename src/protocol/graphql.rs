//! GraphQL over WebSocket, in both of its protocols: `graphql-transport-ws`
//! (the `graphql-ws` package: `subscribe`, `next`, `ping`/`pong`) and the
//! older `graphql-ws` subprotocol of `subscriptions-transport-ws`
//! (`start`, `data`, `ka`, `stop`).
//!
//! Both are offered; the server's choice says which one is spoken
//! ([`Flavor`]). The adapter sends `connection_init` (with the payload of
//! `--protocol-init`) and is ready at `connection_ack`; it answers the
//! server's pings. Results become [`Decoded`] messages, the older `data`
//! read as `next`; [`subscribe`] and [`complete`] make the frames a script
//! sends.

use serde_json::{Map, Value, json};

use super::{Decoded, Incoming, Outbox, Protocol, Request, json_text};
use crate::message::Message;

/// Which GraphQL over WebSocket protocol the server chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `graphql-transport-ws`: `subscribe`, `next`, `complete`, `ping`.
    TransportWs,
    /// `graphql-ws` (subscriptions-transport-ws): `start`, `data`, `stop`, `ka`.
    Legacy,
}

impl Flavor {
    /// The protocol the subprotocol the server chose names; the current
    /// one unless it chose `graphql-ws`.
    pub(crate) fn of(subprotocol: Option<&str>) -> Flavor {
        match subprotocol {
            Some("graphql-ws") => Flavor::Legacy,
            _ => Flavor::TransportWs,
        }
    }
}

/// The GraphQL adapter: the `connection_init` payload and whether the
/// server acknowledged it.
pub(crate) struct Graphql {
    /// The `connection_init` payload, if any (`{}` otherwise).
    init: Option<Value>,
    /// Whether the server acknowledged `connection_init`.
    ready: bool,
}

impl Graphql {
    /// Makes the adapter, with the payload of `connection_init`.
    pub(crate) fn new(init: Option<Value>) -> Graphql {
        Graphql { init, ready: false }
    }

    /// A message with a `type`, read.
    fn message(&mut self, mut message: Map<String, Value>, out: &mut Outbox) -> Incoming {
        let Some(Value::String(kind)) = message.remove("type") else {
            return Incoming::Malformed(
                "a message without a type: expected {\"type\":…} as GraphQL over WebSocket sends"
                    .into(),
            );
        };
        let id = message.remove("id");
        let payload = message.remove("payload");
        match kind.as_str() {
            "connection_ack" => {
                self.ready = true;
                Incoming::Own("connection_ack".into())
            }
            "ping" => {
                let mut pong = Map::from_iter([("type".to_string(), json!("pong"))]);
                if let Some(payload) = payload {
                    pong.insert("payload".into(), payload);
                }
                out.text(Value::Object(pong).to_string());
                Incoming::Own("ping".into())
            }
            "pong" => Incoming::Own("pong".into()),
            "ka" => Incoming::Own("ka".into()),
            "connection_error" => Incoming::Refused(refusal(payload)),
            "next" | "data" => result(id, "next", payload),
            "error" => result(id, "error", payload),
            "complete" => result(id, "complete", None),
            _ => Incoming::Malformed(
                "a message of an unknown type: expected connection_ack, next, error, complete, ping, pong or ka"
                    .into(),
            ),
        }
    }
}

impl Protocol for Graphql {
    fn name(&self) -> &'static str {
        "graphql"
    }

    fn prepare(&mut self, request: &mut Request) {
        request.subprotocols = vec!["graphql-transport-ws".into(), "graphql-ws".into()];
    }

    /// Both protocols' messages are read whichever the server chose: some
    /// servers of the older one name no subprotocol.
    fn opened(&mut self, _subprotocol: Option<&str>, out: &mut Outbox) {
        self.ready = false;
        let payload = self.init.clone().unwrap_or_else(|| json!({}));
        out.text(json!({"type": "connection_init", "payload": payload}).to_string());
    }

    fn is_ready(&self) -> bool {
        self.ready
    }

    fn incoming(&mut self, message: &Message, out: &mut Outbox) -> Incoming {
        const EXPECTED: &str = "expected {\"type\":…} as GraphQL over WebSocket sends";
        match json_text(message, EXPECTED) {
            Ok(Value::Object(message)) => self.message(message, out),
            Ok(_) => Incoming::Malformed(format!("not a JSON object: {EXPECTED}")),
            Err(malformed) => malformed,
        }
    }
}

/// The frame that starts operation `id`: `subscribe` (`start` in the
/// older protocol) with the query and its variables.
pub(crate) fn subscribe(flavor: Flavor, id: &str, query: &str, variables: Option<Value>) -> String {
    let kind = match flavor {
        Flavor::TransportWs => "subscribe",
        Flavor::Legacy => "start",
    };
    let mut payload = Map::from_iter([("query".to_string(), json!(query))]);
    if let Some(variables) = variables {
        payload.insert("variables".into(), variables);
    }
    json!({"id": id, "type": kind, "payload": payload}).to_string()
}

/// The frame that ends operation `id`: `complete` (`stop` in the older
/// protocol).
pub(crate) fn complete(flavor: Flavor, id: &str) -> String {
    let kind = match flavor {
        Flavor::TransportWs => "complete",
        Flavor::Legacy => "stop",
    };
    json!({"id": id, "type": kind}).to_string()
}

/// A result of operation `id` (`next`, `error` or `complete`) as a
/// message; `payload` is left out for `complete`.
fn result(id: Option<Value>, kind: &str, payload: Option<Value>) -> Incoming {
    let Some(id) = id else {
        return Incoming::Malformed(format!(
            "a {kind} message without an id: expected the id of the operation it answers"
        ));
    };
    let mut summary = format!("{kind} id={}", shown(&id));
    let mut value = Map::from_iter([("id".to_string(), id), ("type".to_string(), json!(kind))]);
    if kind != "complete" {
        let payload = payload.unwrap_or_default();
        summary = format!("{summary} {payload}");
        value.insert("payload".into(), payload);
    }
    Incoming::Message(Decoded {
        summary,
        value: Value::Object(value),
    })
}

/// An id as the summary shows it: a string as it is, anything else as JSON.
fn shown(id: &Value) -> String {
    match id {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    }
}

/// The sentence for a refused `connection_init`.
fn refusal(payload: Option<Value>) -> String {
    let why = "the GraphQL server refused connection_init";
    match payload {
        None | Some(Value::Null) => why.to_string(),
        Some(Value::Object(payload)) => match payload.get("message") {
            Some(Value::String(message)) => format!("{why}: {message}"),
            _ => format!("{why}: {}", Value::Object(payload)),
        },
        Some(Value::String(message)) => format!("{why}: {message}"),
        Some(other) => format!("{why}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An adapter opened on `subprotocol`, and what it sent.
    fn opened(init: Option<Value>, subprotocol: Option<&str>) -> (Graphql, Vec<Message>) {
        let mut protocol = Graphql::new(init);
        let mut out = Outbox::default();
        protocol.opened(subprotocol, &mut out);
        (protocol, out.take())
    }

    fn feed(protocol: &mut Graphql, text: &str, out: &mut Outbox) -> Incoming {
        protocol.incoming(&Message::Text(text.into()), out)
    }

    fn decoded(protocol: &mut Graphql, text: &str) -> Decoded {
        match feed(protocol, text, &mut Outbox::default()) {
            Incoming::Message(decoded) => decoded,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn offers_both_subprotocols() {
        let mut request = Request {
            subprotocols: vec!["chat".into()],
            ..Request::default()
        };
        Graphql::new(None).prepare(&mut request);
        assert_eq!(request.subprotocols, ["graphql-transport-ws", "graphql-ws"]);
    }

    #[test]
    fn flavors() {
        assert_eq!(Flavor::of(Some("graphql-ws")), Flavor::Legacy);
        assert_eq!(
            Flavor::of(Some("graphql-transport-ws")),
            Flavor::TransportWs
        );
        assert_eq!(Flavor::of(None), Flavor::TransportWs);
    }

    #[test]
    fn init_then_ack() {
        let (mut protocol, sent) =
            opened(Some(json!({"token": "x"})), Some("graphql-transport-ws"));
        assert_eq!(
            sent,
            [Message::Text(
                r#"{"type":"connection_init","payload":{"token":"x"}}"#.into()
            )]
        );
        assert!(!protocol.is_ready());
        let ack = feed(
            &mut protocol,
            r#"{"type":"connection_ack"}"#,
            &mut Outbox::default(),
        );
        assert!(matches!(ack, Incoming::Own(label) if label == "connection_ack"));
        assert!(protocol.is_ready());
        protocol.opened(None, &mut Outbox::default());
        assert!(!protocol.is_ready());
        let (_, sent) = opened(None, Some("graphql-ws"));
        assert_eq!(
            sent,
            [Message::Text(
                r#"{"type":"connection_init","payload":{}}"#.into()
            )]
        );
    }

    #[test]
    fn answers_pings() {
        let (mut protocol, _) = opened(None, Some("graphql-transport-ws"));
        let mut out = Outbox::default();
        assert!(
            matches!(feed(&mut protocol, r#"{"type":"ping"}"#, &mut out), Incoming::Own(label) if label == "ping")
        );
        assert_eq!(out.take(), [Message::Text(r#"{"type":"pong"}"#.into())]);
        feed(
            &mut protocol,
            r#"{"type":"ping","payload":{"n":1}}"#,
            &mut out,
        );
        assert_eq!(
            out.take(),
            [Message::Text(r#"{"type":"pong","payload":{"n":1}}"#.into())]
        );
        assert!(
            matches!(feed(&mut protocol, r#"{"type":"pong","payload":{"n":1}}"#, &mut out), Incoming::Own(label) if label == "pong")
        );
        assert!(out.take().is_empty());
    }

    #[test]
    fn results() {
        let (mut protocol, _) = opened(None, Some("graphql-transport-ws"));
        let next = decoded(
            &mut protocol,
            r#"{"id":"1","type":"next","payload":{"data":{"hello":"Hello, ws!"}}}"#,
        );
        assert_eq!(next.summary, r#"next id=1 {"data":{"hello":"Hello, ws!"}}"#);
        assert_eq!(
            next.value,
            json!({"id": "1", "type": "next", "payload": {"data": {"hello": "Hello, ws!"}}})
        );
        let done = decoded(&mut protocol, r#"{"id":"1","type":"complete"}"#);
        assert_eq!(done.summary, "complete id=1");
        assert_eq!(done.value, json!({"id": "1", "type": "complete"}));
        let failed = decoded(
            &mut protocol,
            r#"{"id":"2","type":"error","payload":[{"message":"Cannot query field"}]}"#,
        );
        assert_eq!(
            failed.summary,
            r#"error id=2 [{"message":"Cannot query field"}]"#
        );
        assert_eq!(
            failed.value["payload"],
            json!([{"message": "Cannot query field"}])
        );
    }

    #[test]
    fn the_older_protocol() {
        let (mut protocol, _) = opened(None, Some("graphql-ws"));
        let mut out = Outbox::default();
        feed(&mut protocol, r#"{"type":"connection_ack"}"#, &mut out);
        assert!(
            matches!(feed(&mut protocol, r#"{"type":"ka"}"#, &mut out), Incoming::Own(label) if label == "ka")
        );
        let data = decoded(
            &mut protocol,
            r#"{"type":"data","id":"1","payload":{"data":{"count":1}}}"#,
        );
        assert_eq!(data.summary, r#"next id=1 {"data":{"count":1}}"#);
        assert_eq!(
            data.value,
            json!({"id": "1", "type": "next", "payload": {"data": {"count": 1}}})
        );
        let done = decoded(
            &mut protocol,
            r#"{"type":"complete","id":"1","payload":null}"#,
        );
        assert_eq!(done.value, json!({"id": "1", "type": "complete"}));
        assert!(out.take().is_empty());
    }

    #[test]
    fn a_refused_init() {
        let (mut protocol, _) = opened(Some(json!({"token": "nope"})), Some("graphql-ws"));
        let refused = feed(
            &mut protocol,
            r#"{"type":"connection_error","payload":{"message":"Prohibited connection!"}}"#,
            &mut Outbox::default(),
        );
        assert!(matches!(refused, Incoming::Refused(why)
            if why == "the GraphQL server refused connection_init: Prohibited connection!"));
        let refused = feed(
            &mut protocol,
            r#"{"type":"connection_error","payload":{"code":1}}"#,
            &mut Outbox::default(),
        );
        assert!(matches!(refused, Incoming::Refused(why)
            if why == r#"the GraphQL server refused connection_init: {"code":1}"#));
    }

    #[test]
    fn malformed_messages() {
        let (mut protocol, _) = opened(None, None);
        let mut out = Outbox::default();
        for text in [
            "",
            "nope",
            "[]",
            "{}",
            r#"{"type":1}"#,
            r#"{"type":"nonsense"}"#,
            r#"{"type":"next","payload":{}}"#,
            r#"{"type":"complete"}"#,
        ] {
            let seen = feed(&mut protocol, text, &mut out);
            assert!(
                matches!(seen, Incoming::Malformed(_)),
                "{text:?} gave {seen:?}"
            );
        }
        let binary = protocol.incoming(&Message::Binary(b"{}".to_vec()), &mut out);
        assert!(matches!(binary, Incoming::Malformed(_)));
        assert!(out.take().is_empty());
    }

    #[test]
    fn operation_frames() {
        assert_eq!(
            subscribe(
                Flavor::TransportWs,
                "1",
                "query($n: String) { hello(name: $n) }",
                Some(json!({"n": "ws"}))
            ),
            r#"{"id":"1","type":"subscribe","payload":{"query":"query($n: String) { hello(name: $n) }","variables":{"n":"ws"}}}"#
        );
        assert_eq!(
            subscribe(Flavor::Legacy, "1", "subscription { count(to: 3) }", None),
            r#"{"id":"1","type":"start","payload":{"query":"subscription { count(to: 3) }"}}"#
        );
        assert_eq!(
            complete(Flavor::TransportWs, "5"),
            r#"{"id":"5","type":"complete"}"#
        );
        assert_eq!(complete(Flavor::Legacy, "4"), r#"{"id":"4","type":"stop"}"#);
    }
}
