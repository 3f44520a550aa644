//! Socket.IO 5 over Engine.IO 4, on the websocket transport only.
//!
//! The handshake goes to `/socket.io/?EIO=4&transport=websocket`; the
//! URL's own path names the namespace (`ws://host/admin` joins `/admin`).
//! The server opens with `0{…}`, we join the namespace with `40` (and the
//! `auth` of `--protocol-init`), and it answers `40{"sid":…}`. The server
//! pings (`2`) and drops a client that does not answer `3`, so the pongs
//! are sent here, whether or not anyone reads. Events (`42`) and acks
//! (`43`) become [`Decoded`] messages; [`event`] makes the frames a
//! script sends. Binary events (`45`, `46`) are not supported.

use serde_json::{Map, Value};

use super::{Decoded, Incoming, Outbox, Protocol, Request};
use crate::message::Message;

/// The query that selects Engine.IO 4 over a websocket.
const ENGINE_QUERY: &str = "EIO=4&transport=websocket";

/// The Socket.IO adapter: the namespace it joins and whether it has.
pub(crate) struct SocketIo {
    /// The `auth` payload of the namespace's CONNECT, if any.
    auth: Option<Value>,
    /// The namespace joined: `/` or the URL's path, such as `/admin`.
    namespace: String,
    /// Whether the server accepted our CONNECT on this connection.
    ready: bool,
}

impl SocketIo {
    /// Makes the adapter, with the `auth` payload sent when joining.
    pub(crate) fn new(auth: Option<Value>) -> SocketIo {
        SocketIo {
            auth,
            namespace: "/".to_string(),
            ready: false,
        }
    }

    /// The CONNECT packet that joins our namespace.
    fn connect_packet(&self) -> String {
        let mut packet = format!("40{}", prefix(&self.namespace));
        if let Some(auth) = &self.auth {
            packet.push_str(&auth.to_string());
        }
        packet
    }

    /// A Socket.IO packet (an Engine.IO message without its `4`).
    fn packet(&mut self, text: &str) -> Incoming {
        let packet = match Packet::parse(text) {
            Ok(packet) => packet,
            Err(why) => return Incoming::Malformed(why),
        };
        let ours = packet.namespace == self.namespace;
        match packet.kind {
            b'0' if ours => {
                self.ready = true;
                Incoming::Own("connected".into())
            }
            b'0' => Incoming::Own(format!("connected {}", packet.namespace)),
            b'1' => Incoming::Message(Decoded {
                summary: format!("disconnect {}", packet.namespace),
                value: Value::Object(Map::from_iter([(
                    "disconnect".to_string(),
                    Value::String(packet.namespace),
                )])),
            }),
            b'2' => self.event(packet),
            b'3' => self.ack(packet),
            b'4' if ours && !self.ready => Incoming::Refused(refusal(&packet)),
            b'4' => connect_error(packet),
            _ => Incoming::Malformed(
                "a binary event: binary events and acks are not supported".into(),
            ),
        }
    }

    /// An EVENT packet: `["name", args…]`.
    fn event(&self, packet: Packet) -> Incoming {
        let Some(Value::Array(mut items)) = packet.data else {
            return Incoming::Malformed(
                "an event without its array: expected 42[\"name\", …]".into(),
            );
        };
        if items.is_empty() {
            return Incoming::Malformed("an event without a name: expected 42[\"name\", …]".into());
        }
        let Value::String(name) = items.remove(0) else {
            return Incoming::Malformed(
                "an event whose name is not a string: expected 42[\"name\", …]".into(),
            );
        };
        let data = arguments(items);
        let summary = with_data(format!("event {name}"), &data);
        let mut value = Map::new();
        value.insert("event".into(), Value::String(name));
        value.insert("data".into(), data);
        if let Some(id) = packet.id {
            value.insert("id".into(), Value::from(id));
        }
        decoded(summary, value, packet.namespace)
    }

    /// An ACK packet: `<id>[args…]`.
    fn ack(&self, packet: Packet) -> Incoming {
        let (Some(id), Some(Value::Array(items))) = (packet.id, packet.data) else {
            return Incoming::Malformed(
                "an ack without its id or array: expected 43<id>[…]".into(),
            );
        };
        let data = arguments(items);
        let summary = with_data(format!("ack {id}"), &data);
        let mut value = Map::new();
        value.insert("ack".into(), Value::from(id));
        value.insert("data".into(), data);
        decoded(summary, value, packet.namespace)
    }
}

/// A decoded message whose value names its namespace when it is not `/`.
fn decoded(summary: String, mut value: Map<String, Value>, namespace: String) -> Incoming {
    if namespace != "/" {
        value.insert("namespace".into(), Value::String(namespace));
    }
    Incoming::Message(Decoded {
        summary,
        value: Value::Object(value),
    })
}

impl Protocol for SocketIo {
    fn name(&self) -> &'static str {
        "socketio"
    }

    fn prepare(&mut self, request: &mut Request) {
        let (path, query) = request
            .path
            .split_once('?')
            .unwrap_or((request.path.as_str(), ""));
        self.namespace = namespace_of(path);
        request.path = if is_engine_path(path) {
            engine_path(path, query)
        } else if query.is_empty() {
            format!("/socket.io/?{ENGINE_QUERY}")
        } else {
            format!("/socket.io/?{ENGINE_QUERY}&{query}")
        };
    }

    fn opened(&mut self, subprotocol: Option<&str>, out: &mut Outbox) {
        let _ = (subprotocol, out);
        self.ready = false;
    }

    fn is_ready(&self) -> bool {
        self.ready
    }

    fn closing(&mut self, out: &mut Outbox) {
        if self.ready {
            out.text(format!("41{}", prefix(&self.namespace)));
        }
    }

    fn incoming(&mut self, message: &Message, out: &mut Outbox) -> Incoming {
        let Message::Text(text) = message else {
            return Incoming::Malformed("a binary frame: binary events are not supported".into());
        };
        let mut chars = text.chars();
        let kind = chars.next();
        let rest = chars.as_str();
        match kind {
            Some('0') if is_json_object(rest) => {
                out.text(self.connect_packet());
                Incoming::Own("open".into())
            }
            Some('0') => Incoming::Malformed(
                "an Engine.IO open packet without its JSON object: expected 0{\"sid\":…}".into(),
            ),
            Some('1') => Incoming::Own("close".into()),
            Some('2') => {
                out.text(format!("3{rest}"));
                Incoming::Own("ping".into())
            }
            Some('3') => Incoming::Own("pong".into()),
            Some('4') => self.packet(rest),
            Some('5') => Incoming::Own("upgrade".into()),
            Some('6') => Incoming::Own("noop".into()),
            _ => Incoming::Malformed(
                "not an Engine.IO packet: expected a type 0-6 followed by its data".into(),
            ),
        }
    }
}

/// The namespace a URL's path names: the path without its query, or `/`
/// when it is empty, `/`, or Socket.IO's own `/socket.io/…`.
pub(crate) fn namespace_of(url_path: &str) -> String {
    let path = url_path.split(['?', '#']).next().unwrap_or_default();
    if path.is_empty() || path == "/" || is_engine_path(path) {
        "/".to_string()
    } else {
        path.to_string()
    }
}

/// An EVENT packet for `namespace`: `42/admin,7["name",args…]` (the ack id
/// when an ack is wanted).
pub(crate) fn event(namespace: &str, name: &str, args: &[Value], ack: Option<u64>) -> String {
    let mut items = Vec::with_capacity(args.len() + 1);
    items.push(Value::String(name.to_string()));
    items.extend_from_slice(args);
    let ack = ack.map(|id| id.to_string()).unwrap_or_default();
    format!("42{}{ack}{}", prefix(namespace), Value::Array(items))
}

/// What goes before a packet's id and data: `/admin,`, or nothing for `/`.
fn prefix(namespace: &str) -> String {
    if namespace == "/" {
        String::new()
    } else {
        format!("{namespace},")
    }
}

/// Whether a path is Socket.IO's own, `/socket.io` or under it.
fn is_engine_path(path: &str) -> bool {
    path == "/socket.io" || path.starts_with("/socket.io/")
}

/// Socket.IO's own path, with whichever of `EIO=4` and
/// `transport=websocket` its query lacks.
fn engine_path(path: &str, query: &str) -> String {
    let has = |key: &str| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(key))
    };
    let mut pairs: Vec<&str> = query.split('&').filter(|pair| !pair.is_empty()).collect();
    if !has("EIO") {
        pairs.push("EIO=4");
    }
    if !has("transport") {
        pairs.push("transport=websocket");
    }
    format!("{path}?{}", pairs.join("&"))
}

/// Whether `text` is a JSON object.
fn is_json_object(text: &str) -> bool {
    matches!(serde_json::from_str(text), Ok(Value::Object(_)))
}

/// An event's or ack's arguments as one value: null for none, the
/// argument for one, an array for several.
fn arguments(mut items: Vec<Value>) -> Value {
    match items.len() {
        0 => Value::Null,
        1 => items.pop().unwrap_or_default(),
        _ => Value::Array(items),
    }
}

/// `head`, then the data as compact JSON unless it is null.
fn with_data(head: String, data: &Value) -> String {
    if data.is_null() {
        head
    } else {
        format!("{head} {data}")
    }
}

/// The sentence for a namespace the server refused to open.
fn refusal(packet: &Packet) -> String {
    let mut why = format!(
        "the server refused the Socket.IO namespace {}",
        packet.namespace
    );
    let reason = match &packet.data {
        Some(Value::Object(payload)) => match payload.get("message") {
            Some(Value::String(message)) => Some(message.clone()),
            _ => Some(Value::Object(payload.clone()).to_string()),
        },
        Some(Value::String(message)) => Some(message.clone()),
        Some(other) => Some(other.to_string()),
        None => None,
    };
    if let Some(reason) = reason {
        why.push_str(": ");
        why.push_str(&reason);
    }
    why
}

/// A CONNECT_ERROR once the namespace is open, or for another one.
fn connect_error(packet: Packet) -> Incoming {
    let data = packet.data.unwrap_or_default();
    let summary = with_data(format!("connect_error {}", packet.namespace), &data);
    let value = Map::from_iter([
        ("connect_error".to_string(), Value::String(packet.namespace)),
        ("data".to_string(), data),
    ]);
    Incoming::Message(Decoded {
        summary,
        value: Value::Object(value),
    })
}

/// A Socket.IO packet: `<type>[<namespace>,][<id>][<JSON>]`.
#[derive(Debug, PartialEq)]
struct Packet {
    /// The packet type, an ASCII digit 0-6.
    kind: u8,
    /// The namespace, `/` when the packet names none.
    namespace: String,
    /// The ack id, if any.
    id: Option<u64>,
    /// The JSON payload, if any.
    data: Option<Value>,
}

impl Packet {
    /// Reads a packet, or says what was expected.
    fn parse(text: &str) -> Result<Packet, String> {
        let kind = match text.bytes().next() {
            Some(kind @ b'0'..=b'6') => kind,
            _ => {
                return Err(
                    "not a Socket.IO packet: expected 4 followed by a type 0-6 and its data".into(),
                );
            }
        };
        let mut rest = text.get(1..).unwrap_or_default();
        if matches!(kind, b'5' | b'6') {
            return Ok(Packet {
                kind,
                namespace: "/".into(),
                id: None,
                data: None,
            });
        }
        let mut namespace = "/".to_string();
        if rest.starts_with('/') {
            let (name, after) = rest.split_once(',').unwrap_or((rest, ""));
            namespace = name.to_string();
            rest = after;
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (id, json) = rest.split_at_checked(digits).unwrap_or(("", rest));
        let id = match id {
            "" => None,
            id => Some(
                id.parse::<u64>()
                    .map_err(|_| "an ack id too large: expected a number below 2^64".to_string())?,
            ),
        };
        let data = match json {
            "" => None,
            json => Some(serde_json::from_str(json).map_err(|e| {
                format!("a Socket.IO packet whose data is not JSON ({e}): expected JSON after the type, namespace and id")
            })?),
        };
        Ok(Packet {
            kind,
            namespace,
            id,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A connected adapter for `path`, and what it sent while joining.
    fn joined(path: &str, auth: Option<Value>) -> (SocketIo, Vec<Message>) {
        let mut protocol = SocketIo::new(auth);
        let mut request = Request {
            path: path.into(),
            ..Request::default()
        };
        protocol.prepare(&mut request);
        let mut out = Outbox::default();
        protocol.opened(None, &mut out);
        let open = r#"0{"sid":"d7Q1At8zcEGrmLzjAAAA","upgrades":[],"pingInterval":1000,"pingTimeout":800,"maxPayload":1000000}"#;
        assert!(
            matches!(feed(&mut protocol, open, &mut out), Incoming::Own(label) if label == "open")
        );
        let sent = out.take();
        let accept = if protocol.namespace == "/" {
            r#"40{"sid":"edia_uzkhYBYGLp9AAAB"}"#.to_string()
        } else {
            format!(
                r#"40{},{{"sid":"Uy5wug3I0LVqC091AAAC"}}"#,
                protocol.namespace
            )
        };
        assert!(
            matches!(feed(&mut protocol, &accept, &mut out), Incoming::Own(label) if label == "connected")
        );
        assert!(protocol.is_ready());
        (protocol, sent)
    }

    fn feed(protocol: &mut SocketIo, text: &str, out: &mut Outbox) -> Incoming {
        protocol.incoming(&Message::Text(text.into()), out)
    }

    fn decoded(protocol: &mut SocketIo, text: &str) -> Decoded {
        match feed(protocol, text, &mut Outbox::default()) {
            Incoming::Message(decoded) => decoded,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    fn prepared(path: &str) -> (String, String) {
        let mut protocol = SocketIo::new(None);
        let mut request = Request {
            path: path.into(),
            ..Request::default()
        };
        protocol.prepare(&mut request);
        (request.path, protocol.namespace)
    }

    #[test]
    fn prepare_moves_the_path_into_the_namespace() {
        let engine = "/socket.io/?EIO=4&transport=websocket";
        assert_eq!(prepared("/"), (engine.into(), "/".into()));
        assert_eq!(prepared(""), (engine.into(), "/".into()));
        assert_eq!(prepared("/admin"), (engine.into(), "/admin".into()));
        assert_eq!(
            prepared("/admin?token=x"),
            (format!("{engine}&token=x"), "/admin".into())
        );
        assert_eq!(prepared("/?a=1"), (format!("{engine}&a=1"), "/".into()));
    }

    #[test]
    fn prepare_keeps_a_socket_io_path() {
        assert_eq!(
            prepared("/socket.io/"),
            ("/socket.io/?EIO=4&transport=websocket".into(), "/".into())
        );
        assert_eq!(
            prepared("/socket.io/?EIO=4&transport=websocket"),
            ("/socket.io/?EIO=4&transport=websocket".into(), "/".into())
        );
        assert_eq!(
            prepared("/socket.io/?token=x&EIO=4"),
            (
                "/socket.io/?token=x&EIO=4&transport=websocket".into(),
                "/".into()
            )
        );
    }

    #[test]
    fn namespace_of_a_path() {
        assert_eq!(namespace_of(""), "/");
        assert_eq!(namespace_of("/"), "/");
        assert_eq!(namespace_of("/?x=1"), "/");
        assert_eq!(namespace_of("/admin?x=1"), "/admin");
        assert_eq!(namespace_of("/socket.io/?EIO=4"), "/");
    }

    #[test]
    fn joins_with_auth() {
        let (_, sent) = joined("/", Some(json!({"token": "abc"})));
        assert_eq!(sent, vec![Message::Text(r#"40{"token":"abc"}"#.into())]);
        let (_, sent) = joined("/", None);
        assert_eq!(sent, vec![Message::Text("40".into())]);
        let (_, sent) = joined("/admin", Some(json!({"role": "root"})));
        assert_eq!(
            sent,
            vec![Message::Text(r#"40/admin,{"role":"root"}"#.into())]
        );
        let (_, sent) = joined("/admin", None);
        assert_eq!(sent, vec![Message::Text("40/admin,".into())]);
    }

    #[test]
    fn not_ready_until_connected_and_again_after_a_reconnect() {
        let (mut protocol, _) = joined("/", None);
        protocol.opened(None, &mut Outbox::default());
        assert!(!protocol.is_ready());
    }

    #[test]
    fn answers_pings() {
        let (mut protocol, _) = joined("/", None);
        let mut out = Outbox::default();
        assert!(
            matches!(feed(&mut protocol, "2", &mut out), Incoming::Own(label) if label == "ping")
        );
        assert_eq!(out.take(), vec![Message::Text("3".into())]);
        assert!(
            matches!(feed(&mut protocol, "3", &mut out), Incoming::Own(label) if label == "pong")
        );
        assert!(
            matches!(feed(&mut protocol, "6", &mut out), Incoming::Own(label) if label == "noop")
        );
        assert!(
            matches!(feed(&mut protocol, "1", &mut out), Incoming::Own(label) if label == "close")
        );
        assert!(out.take().is_empty());
    }

    #[test]
    fn events() {
        let (mut protocol, _) = joined("/", None);
        let said = decoded(&mut protocol, r#"42["said",{"from":"server","text":"hi"}]"#);
        assert_eq!(said.summary, r#"event said {"from":"server","text":"hi"}"#);
        assert_eq!(
            said.value,
            json!({"event": "said", "data": {"from": "server", "text": "hi"}})
        );
        let welcome = decoded(&mut protocol, r#"42["welcome",{"auth":{"token":"abc"}}]"#);
        assert_eq!(welcome.value["data"], json!({"auth": {"token": "abc"}}));
        let bare = decoded(&mut protocol, r#"42["tick"]"#);
        assert_eq!(bare.summary, "event tick");
        assert_eq!(bare.value, json!({"event": "tick", "data": null}));
        let several = decoded(&mut protocol, r#"42["pair",1,"two"]"#);
        assert_eq!(several.summary, r#"event pair [1,"two"]"#);
        assert_eq!(several.value["data"], json!([1, "two"]));
        let asking = decoded(&mut protocol, r#"4212["question",1]"#);
        assert_eq!(
            asking.value,
            json!({"event": "question", "data": 1, "id": 12})
        );
    }

    #[test]
    fn acks() {
        let (mut protocol, _) = joined("/", None);
        let sum = decoded(&mut protocol, "431[3]");
        assert_eq!(sum.summary, "ack 1 3");
        assert_eq!(sum.value, json!({"ack": 1, "data": 3}));
        let records = decoded(&mut protocol, r#"433[[{"a":1},"two"]]"#);
        assert_eq!(records.summary, r#"ack 3 [{"a":1},"two"]"#);
        assert_eq!(records.value, json!({"ack": 3, "data": [{"a": 1}, "two"]}));
        let empty = decoded(&mut protocol, "434[]");
        assert_eq!(empty.summary, "ack 4");
    }

    #[test]
    fn a_namespace() {
        let (mut protocol, _) = joined("/admin", None);
        let said = decoded(
            &mut protocol,
            r#"42/admin,["said",{"from":"server","text":"a"}]"#,
        );
        assert_eq!(said.summary, r#"event said {"from":"server","text":"a"}"#);
        assert_eq!(
            said.value,
            json!({"event": "said", "data": {"from": "server", "text": "a"}, "namespace": "/admin"})
        );
        let sum = decoded(&mut protocol, "43/admin,7[5]");
        assert_eq!(
            sum.value,
            json!({"ack": 7, "data": 5, "namespace": "/admin"})
        );
        let other = decoded(&mut protocol, r#"42["root"]"#);
        assert_eq!(other.value, json!({"event": "root", "data": null}));
        let gone = decoded(&mut protocol, "41/admin,");
        assert_eq!(gone.summary, "disconnect /admin");
        assert_eq!(gone.value, json!({"disconnect": "/admin"}));
    }

    #[test]
    fn a_refused_namespace() {
        let mut protocol = SocketIo::new(None);
        let mut request = Request {
            path: "/nope".into(),
            ..Request::default()
        };
        protocol.prepare(&mut request);
        let mut out = Outbox::default();
        protocol.opened(None, &mut out);
        feed(
            &mut protocol,
            r#"0{"sid":"v6SXzrAfPgNeY6RgAAAA","upgrades":[],"pingInterval":1000,"pingTimeout":800,"maxPayload":1000000}"#,
            &mut out,
        );
        assert_eq!(out.take(), vec![Message::Text("40/nope,".into())]);
        let refused = feed(
            &mut protocol,
            r#"44/nope,{"message":"Invalid namespace"}"#,
            &mut out,
        );
        assert!(matches!(refused, Incoming::Refused(why)
            if why == "the server refused the Socket.IO namespace /nope: Invalid namespace"));
    }

    #[test]
    fn a_connect_error_once_ready() {
        let (mut protocol, _) = joined("/", None);
        let error = decoded(&mut protocol, r#"44{"message":"Not authorized"}"#);
        assert_eq!(
            error.summary,
            r#"connect_error / {"message":"Not authorized"}"#
        );
        assert_eq!(
            error.value,
            json!({"connect_error": "/", "data": {"message": "Not authorized"}})
        );
    }

    #[test]
    fn malformed_frames() {
        let (mut protocol, _) = joined("/", None);
        let mut out = Outbox::default();
        for text in [
            "",
            "7",
            "x",
            "0",
            "0[]",
            "4",
            "49",
            "42",
            "42{}",
            "42[]",
            "42[1]",
            "42[\"a\"",
            "43[1]",
            "43",
            "4399999999999999999999[1]",
            "451-[\"a\",{\"_placeholder\":true,\"num\":0}]",
            "46",
            "42/admin",
        ] {
            let seen = feed(&mut protocol, text, &mut out);
            assert!(
                matches!(seen, Incoming::Malformed(_)),
                "{text:?} gave {seen:?}"
            );
        }
        let binary = protocol.incoming(&Message::Binary(vec![1, 2]), &mut out);
        assert!(matches!(binary, Incoming::Malformed(why)
            if why == "a binary frame: binary events are not supported"));
        assert!(out.take().is_empty());
    }

    #[test]
    fn event_frames() {
        assert_eq!(
            event("/", "chat", &[json!({"text": "hi"})], None),
            r#"42["chat",{"text":"hi"}]"#
        );
        assert_eq!(
            event("/", "sum", &[json!(4), json!(5)], Some(2)),
            r#"422["sum",4,5]"#
        );
        assert_eq!(
            event("/admin", "sum", &[json!([2, 3])], Some(7)),
            r#"42/admin,7["sum",[2,3]]"#
        );
        assert_eq!(event("/", "records", &[], Some(3)), r#"423["records"]"#);
    }
}
