//! JSON-RPC 2.0 over a websocket: one request, response, notification or
//! batch per message.
//!
//! There is no opening exchange and no keepalive: the adapter only reads
//! what comes, naming results, errors, notifications and the server's own
//! requests in its summaries; [`request`] and [`notification`] make the
//! frames a script sends.

use serde_json::{Map, Value, json};

use super::{Decoded, Incoming, Outbox, Protocol, json_text};
use crate::message::Message;

/// The JSON-RPC adapter; it keeps no state.
pub(crate) struct JsonRpc;

impl Protocol for JsonRpc {
    fn name(&self) -> &'static str {
        "jsonrpc"
    }

    fn incoming(&mut self, message: &Message, out: &mut Outbox) -> Incoming {
        let _ = out;
        const EXPECTED: &str = "expected a JSON-RPC response, request or notification";
        match json_text(message, EXPECTED) {
            Ok(Value::Object(object)) => match summary(&object) {
                Ok(summary) => Incoming::Message(Decoded {
                    summary,
                    value: Value::Object(object),
                }),
                Err(why) => Incoming::Malformed(why),
            },
            Ok(Value::Array(batch)) => Incoming::Message(Decoded {
                summary: format!("batch of {}", batch.len()),
                value: Value::Array(batch),
            }),
            Ok(_) => Incoming::Malformed(format!("neither an object nor a batch: {EXPECTED}")),
            Err(malformed) => malformed,
        }
    }
}

/// A request: `{"jsonrpc":"2.0","method":…,"params":…,"id":…}`.
pub(crate) fn request(id: u64, method: &str, params: Option<Value>) -> String {
    let mut request = call(method, params);
    request.insert("id".into(), json!(id));
    Value::Object(request).to_string()
}

/// A notification (no answer comes): `{"jsonrpc":"2.0","method":…,"params":…}`.
pub(crate) fn notification(method: &str, params: Option<Value>) -> String {
    Value::Object(call(method, params)).to_string()
}

/// The parts of a request and a notification.
fn call(method: &str, params: Option<Value>) -> Map<String, Value> {
    let mut call = Map::from_iter([
        ("jsonrpc".to_string(), json!("2.0")),
        ("method".to_string(), json!(method)),
    ]);
    if let Some(params) = params {
        call.insert("params".into(), params);
    }
    call
}

/// The line shown for one message: what it is and its parts, or why it
/// is not JSON-RPC.
fn summary(object: &Map<String, Value>) -> Result<String, String> {
    let id = object.get("id");
    if let Some(method) = object.get("method") {
        let Value::String(method) = method else {
            return Err("a method that is not a string: expected {\"method\":\"name\",…}".into());
        };
        let head = match id {
            Some(id) => format!("request id={id} {method}"),
            None => format!("notification {method}"),
        };
        return Ok(match object.get("params") {
            Some(params) => format!("{head} {params}"),
            None => head,
        });
    }
    let Some(id) = id else {
        return Err(
            "neither a response (no id) nor a call (no method): expected a JSON-RPC message".into(),
        );
    };
    if let Some(result) = object.get("result") {
        return Ok(format!("result id={id} {result}"));
    }
    let Some(error) = object.get("error") else {
        return Err("a response without a result or an error: expected one of them".into());
    };
    let mut summary = format!("error id={id}");
    match error {
        Value::Object(error) => {
            if let Some(code) = error.get("code") {
                summary = format!("{summary} {code}");
            }
            match error.get("message") {
                Some(Value::String(message)) => summary = format!("{summary} {message}"),
                Some(message) => summary = format!("{summary} {message}"),
                None => {}
            }
        }
        other => summary = format!("{summary} {other}"),
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> Decoded {
        match JsonRpc.incoming(&Message::Text(text.into()), &mut Outbox::default()) {
            Incoming::Message(decoded) => decoded,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn ready_at_once() {
        assert!(JsonRpc.is_ready());
        assert_eq!(JsonRpc.name(), "jsonrpc");
    }

    #[test]
    fn results() {
        let sum = decoded(r#"{"jsonrpc":"2.0","id":1,"result":3}"#);
        assert_eq!(sum.summary, "result id=1 3");
        assert_eq!(sum.value, json!({"jsonrpc": "2.0", "id": 1, "result": 3}));
        let echo = decoded(r#"{"jsonrpc":"2.0","id":"e","result":{"a":[1,"x"]}}"#);
        assert_eq!(echo.summary, r#"result id="e" {"a":[1,"x"]}"#);
        let nothing = decoded(r#"{"jsonrpc":"2.0","id":9,"result":null}"#);
        assert_eq!(nothing.summary, "result id=9 null");
    }

    #[test]
    fn errors() {
        let failed = decoded(
            r#"{"jsonrpc":"2.0","id":2,"error":{"code":-32001,"message":"failed on purpose","data":{"why":"test"}}}"#,
        );
        assert_eq!(failed.summary, "error id=2 -32001 failed on purpose");
        assert_eq!(failed.value["error"]["data"], json!({"why": "test"}));
        let parse = decoded(
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#,
        );
        assert_eq!(parse.summary, "error id=null -32700 Parse error");
        let odd = decoded(r#"{"jsonrpc":"2.0","id":3,"error":"no"}"#);
        assert_eq!(odd.summary, r#"error id=3 "no""#);
    }

    #[test]
    fn notifications_and_requests() {
        let tick = decoded(r#"{"jsonrpc":"2.0","method":"tick","params":{"n":1}}"#);
        assert_eq!(tick.summary, r#"notification tick {"n":1}"#);
        assert_eq!(tick.value["params"], json!({"n": 1}));
        let bare = decoded(r#"{"jsonrpc":"2.0","method":"bye"}"#);
        assert_eq!(bare.summary, "notification bye");
        let asked = decoded(r#"{"jsonrpc":"2.0","method":"confirm","params":["ok?"],"id":"s1"}"#);
        assert_eq!(asked.summary, r#"request id="s1" confirm ["ok?"]"#);
    }

    #[test]
    fn batches() {
        let batch = decoded(
            r#"[{"jsonrpc":"2.0","id":6,"result":2},{"jsonrpc":"2.0","id":7,"result":[7]}]"#,
        );
        assert_eq!(batch.summary, "batch of 2");
        assert_eq!(batch.value[1]["result"], json!([7]));
    }

    #[test]
    fn malformed_messages() {
        let mut out = Outbox::default();
        for text in [
            "",
            "{not json",
            "3",
            "\"x\"",
            "{}",
            r#"{"id":1}"#,
            r#"{"method":7}"#,
            r#"{"jsonrpc":"2.0","result":1}"#,
        ] {
            let seen = JsonRpc.incoming(&Message::Text(text.into()), &mut out);
            assert!(
                matches!(seen, Incoming::Malformed(_)),
                "{text:?} gave {seen:?}"
            );
        }
        let binary = JsonRpc.incoming(&Message::Binary(b"{}".to_vec()), &mut out);
        assert!(matches!(binary, Incoming::Malformed(_)));
        assert!(out.take().is_empty());
    }

    #[test]
    fn call_frames() {
        assert_eq!(
            request(1, "sum", Some(json!([1, 2]))),
            r#"{"jsonrpc":"2.0","method":"sum","params":[1,2],"id":1}"#
        );
        assert_eq!(
            request(2, "fail", None),
            r#"{"jsonrpc":"2.0","method":"fail","id":2}"#
        );
        assert_eq!(
            notification("note", Some(json!(["first"]))),
            r#"{"jsonrpc":"2.0","method":"note","params":["first"]}"#
        );
        assert_eq!(
            notification("ping", None),
            r#"{"jsonrpc":"2.0","method":"ping"}"#
        );
    }
}
