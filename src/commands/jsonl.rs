//! One JSON object per line, for `ws pipe --jsonl` (both ways) and `ws
//! listen --jsonl`: `{"kind":"text","time":1795813445.123,"data":"hi"}`.
//! `kind` is `text` or `binary` (and `ping`, `pong` or `close` with `-v`);
//! `time` is Unix seconds with milliseconds; `data` is the text, or base64
//! for anything else.

use std::time::SystemTime;

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::connection::{CloseInfo, Message};
use crate::script::bytes::{from_base64, to_base64};

/// A message as a JSON line with its newline.
pub(crate) fn message_line(message: &Message, at: SystemTime) -> String {
    match message {
        Message::Text(text) => object("text", text.as_str().into(), at),
        Message::Binary(bytes) => object("binary", to_base64(bytes).into(), at),
        Message::Decoded(decoded) => {
            let kind = decoded.summary.split(' ').next().unwrap_or_default();
            object(kind, decoded.value.clone(), at)
        }
    }
}

/// A ping or pong as a JSON line with its newline.
pub(crate) fn control_line(kind: &str, payload: &[u8], at: SystemTime) -> String {
    object(kind, to_base64(payload).into(), at)
}

/// The end of the connection as a JSON line: its code and reason.
pub(crate) fn close_line(info: &CloseInfo, at: SystemTime) -> String {
    let object =
        json!({"kind": "close", "time": unix_time(at), "code": info.code, "reason": info.reason});
    format!("{object}\n")
}

fn object(kind: &str, data: Value, at: SystemTime) -> String {
    let object = json!({"kind": kind, "time": unix_time(at), "data": data});
    format!("{object}\n")
}

/// Unix seconds, to the millisecond.
fn unix_time(at: SystemTime) -> f64 {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    since.as_millis() as f64 / 1000.0
}

/// A message from one input line: `{"data": "hi"}` is text, and so is
/// any other JSON value as `data` (`{"data": {"op": 1}}` sends `{"op":1}`);
/// `{"kind": "binary", "data": "3q2+7w=="}` is binary; `time` is ignored.
pub(crate) fn parse(line: &str) -> Result<WsMessage, String> {
    const SHAPE: &str =
        r#"write {"kind": "text", "data": "hi"} or {"kind": "binary", "data": "<base64>"}"#;
    let value: Value =
        serde_json::from_str(line).map_err(|e| format!("it is not JSON ({e}); {SHAPE}"))?;
    let Value::Object(mut object) = value else {
        return Err(format!("it is not a JSON object; {SHAPE}"));
    };
    let kind = match object.get("kind") {
        None => "text".to_string(),
        Some(Value::String(kind)) => kind.clone(),
        Some(other) => return Err(format!("its kind {other} is not text or binary")),
    };
    let Some(data) = object.remove("data") else {
        return Err(format!("its data is missing; {SHAPE}"));
    };
    match (kind.as_str(), data) {
        ("text", Value::String(text)) => Ok(WsMessage::text(text)),
        ("text", value) => Ok(WsMessage::text(value.to_string())),
        ("binary", Value::String(base64)) => from_base64(&base64)
            .map(WsMessage::binary)
            .map_err(|e| e.replacen("from_base64: the text", "its data", 1)),
        ("binary", _) => Err(format!("its data is not a base64 string; {SHAPE}")),
        (other, _) => Err(format!("its kind {other:?} is not text or binary")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip() {
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(1_795_813_445_123);
        let text = message_line(&Message::Text("hi \"you\"".into()), at)
            + message_line(&Message::Binary(vec![0xde, 0xad]), at).as_str();
        assert_eq!(
            text,
            "{\"kind\":\"text\",\"time\":1795813445.123,\"data\":\"hi \\\"you\\\"\"}\n\
             {\"kind\":\"binary\",\"time\":1795813445.123,\"data\":\"3q0=\"}\n"
        );
        let back: Vec<WsMessage> = text.lines().map(|l| parse(l).unwrap()).collect();
        assert_eq!(
            back,
            [
                WsMessage::text("hi \"you\""),
                WsMessage::binary(vec![0xde, 0xad])
            ]
        );
    }

    #[test]
    fn any_json_value_is_sent_as_its_text() {
        let cases = [
            (
                r#"{"data": {"op": 1, "d": [true, null]}}"#,
                r#"{"op":1,"d":[true,null]}"#,
            ),
            (r#"{"kind": "text", "data": 42}"#, "42"),
            (r#"{"data": "as is"}"#, "as is"),
        ];
        for (line, sent) in cases {
            assert_eq!(parse(line).unwrap(), WsMessage::text(sent), "{line}");
        }
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let cases = [
            ("nope", "not JSON"),
            ("[1]", "not a JSON object"),
            ("{}", "data is missing"),
            (r#"{"kind":"binary","data":[1]}"#, "not a base64 string"),
            (r#"{"kind":"ping","data":""}"#, "not text or binary"),
            (r#"{"kind":"binary","data":"*"}"#, "not base64"),
        ];
        for (line, why) in cases {
            let error = parse(line).unwrap_err();
            assert!(error.contains(why), "{line}: {error}");
        }
    }
}
