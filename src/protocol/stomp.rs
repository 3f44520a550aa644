//! STOMP 1.2 (and 1.1, 1.0) over a websocket, one frame per message, as
//! RabbitMQ, ActiveMQ and Spring speak it.
//!
//! The adapter offers the `v12.stomp`, `v11.stomp` and `v10.stomp`
//! subprotocols, sends `CONNECT` (with the headers of `--protocol-init`)
//! and is ready at `CONNECTED`, whose `heart-beat` header sets how often
//! it sends a bare newline and how long the server may stay silent.
//! `MESSAGE`, `RECEIPT` and a late `ERROR` become [`Decoded`] messages; an
//! `ERROR` in answer to `CONNECT` refuses the connection. [`subscribe`],
//! [`send`], [`ack`] and [`disconnect`] make the frames a script sends.

use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::{Decoded, Incoming, Outbox, Protocol, Request};
use crate::error::{Error, Result};
use crate::message::Message;

/// The heart-beat interval we offer both ways, in milliseconds: we can
/// send one this often and want one at least this often.
const OFFER_MS: u64 = 10_000;

/// What `--protocol-init` must be for STOMP.
const INIT_USAGE: &str = "--protocol-init for stomp must be a JSON object of CONNECT headers, such as {\"login\":\"guest\",\"passcode\":\"guest\"}";

/// The STOMP adapter: the CONNECT headers and the heart-beats agreed.
pub(crate) struct Stomp {
    /// The heart-beats we offer (`cx,cy` in milliseconds): we can send one
    /// every `cx`, and want one every `cy`; `--protocol-init`'s
    /// `heart-beat`, else 10 s both ways.
    offer: (u64, u64),
    /// Whether the connection has stopped reading (flow control): the
    /// server's silence is not counted meanwhile.
    paused: bool,
    /// CONNECT's headers from `--protocol-init`, `host` aside.
    headers: Vec<(String, String)>,
    /// CONNECT's `host`: `--protocol-init`'s, else the URL's.
    host: Option<String>,
    /// Whether the server answered CONNECT with CONNECTED.
    ready: bool,
    /// How often we send a heart-beat, once agreed.
    send_every: Option<Duration>,
    /// How often the server promised one, once agreed.
    expect_every: Option<Duration>,
    /// When we last queued a frame.
    last_sent: Instant,
    /// When the server last sent anything.
    last_received: Instant,
}

impl Stomp {
    /// Makes the adapter with CONNECT's headers: `init` must be a JSON
    /// object of strings, which a CONNECT frame can carry (no line breaks).
    pub(crate) fn new(init: Option<&Value>) -> Result<Stomp> {
        let mut headers = Vec::new();
        let mut host = None;
        let mut offer = (OFFER_MS, OFFER_MS);
        match init {
            None => {}
            Some(Value::Object(init)) => {
                for (name, value) in init {
                    let Value::String(value) = value else {
                        return Err(Error::Usage(INIT_USAGE.into()));
                    };
                    check_connect_header(name, value)?;
                    if name == "host" {
                        host = Some(value.clone());
                    } else if name == "heart-beat" {
                        offer = heart_beats(value).ok_or_else(|| {
                            Error::Usage(format!(
                                "--protocol-init's heart-beat {value:?} is not two numbers of milliseconds, such as \"5000,5000\""
                            ))
                        })?;
                    } else {
                        headers.push((name.clone(), value.clone()));
                    }
                }
            }
            Some(_) => return Err(Error::Usage(INIT_USAGE.into())),
        }
        let now = Instant::now();
        Ok(Stomp {
            offer,
            paused: false,
            headers,
            host,
            ready: false,
            send_every: None,
            expect_every: None,
            last_sent: now,
            last_received: now,
        })
    }

    /// The CONNECT frame. Its headers are not escaped: STOMP 1.2 leaves
    /// CONNECT as 1.0 wrote it, so a colon in a passcode goes as it is.
    fn connect_frame(&self) -> String {
        let mut frame = String::from("CONNECT\naccept-version:1.2,1.1,1.0\n");
        if let Some(host) = &self.host {
            frame.push_str(&format!("host:{host}\n"));
        }
        let (cx, cy) = self.offer;
        frame.push_str(&format!("heart-beat:{cx},{cy}\n"));
        for (name, value) in &self.headers {
            frame.push_str(&format!("{name}:{value}\n"));
        }
        frame.push_str("\n\0");
        frame
    }

    /// CONNECTED: ready, with the heart-beats its `heart-beat: sx,sy`
    /// header agrees to (none when it has none).
    fn connected(&mut self, frame: &Frame) {
        let (sx, sy) = frame
            .header("heart-beat")
            .and_then(heart_beats)
            .unwrap_or((0, 0));
        let (cx, cy) = self.offer;
        self.send_every = (cx != 0 && sy != 0).then(|| Duration::from_millis(cx.max(sy)));
        self.expect_every = (cy != 0 && sx != 0).then(|| Duration::from_millis(cy.max(sx)));
        self.ready = true;
    }

    /// How long the server may stay silent: twice its heart-beat.
    fn silence_limit(&self) -> Option<Duration> {
        if self.paused {
            return None;
        }
        self.expect_every?.checked_mul(2)
    }

    /// A frame from the server, read.
    fn frame(&mut self, frame: Frame) -> Incoming {
        match frame.command.as_str() {
            "CONNECTED" => {
                self.connected(&frame);
                Incoming::Own("connected".into())
            }
            "MESSAGE" => {
                let mut summary = String::from("MESSAGE");
                for part in [frame.header("destination").unwrap_or_default(), &frame.body] {
                    if !part.is_empty() {
                        summary.push(' ');
                        summary.push_str(part);
                    }
                }
                frame.decoded(summary)
            }
            "RECEIPT" => {
                let summary = format!("RECEIPT {}", frame.header("receipt-id").unwrap_or_default());
                frame.decoded(summary)
            }
            "ERROR" if !self.ready => Incoming::Refused(refusal(&frame)),
            "ERROR" => {
                let summary = format!("ERROR {}", frame.header("message").unwrap_or(&frame.body));
                frame.decoded(summary)
            }
            _ => Incoming::Malformed(
                "a command a server does not send: expected CONNECTED, MESSAGE, RECEIPT or ERROR"
                    .into(),
            ),
        }
    }
}

impl Protocol for Stomp {
    fn name(&self) -> &'static str {
        "stomp"
    }

    fn prepare(&mut self, request: &mut Request) {
        request.subprotocols = vec!["v12.stomp".into(), "v11.stomp".into(), "v10.stomp".into()];
        if self.host.is_none() {
            self.host = Some(request.host.clone());
        }
    }

    fn opened(&mut self, subprotocol: Option<&str>, out: &mut Outbox) {
        let _ = subprotocol;
        let now = Instant::now();
        self.ready = false;
        self.send_every = None;
        self.expect_every = None;
        self.last_sent = now;
        self.last_received = now;
        out.text(self.connect_frame());
    }

    fn is_ready(&self) -> bool {
        self.ready
    }

    fn closing(&mut self, out: &mut Outbox) {
        if self.ready {
            out.text(disconnect());
        }
    }

    fn reading(&mut self, on: bool) {
        self.paused = !on;
        if on {
            self.last_received = Instant::now();
        }
    }

    fn incoming(&mut self, message: &Message, out: &mut Outbox) -> Incoming {
        let _ = out;
        self.last_received = Instant::now();
        let text = match text_of(message) {
            Ok(text) => text,
            Err(why) => return Incoming::Malformed(why),
        };
        if is_heart_beat(text) {
            return Incoming::Own("heart-beat".into());
        }
        match Frame::parse(text) {
            Ok(frame) => self.frame(frame),
            Err(why) => Incoming::Malformed(why),
        }
    }

    fn deadline(&self) -> Option<Instant> {
        let send = self
            .send_every
            .and_then(|every| self.last_sent.checked_add(every));
        let silent = self
            .silence_limit()
            .and_then(|limit| self.last_received.checked_add(limit));
        match (send, silent) {
            (Some(send), Some(silent)) => Some(send.min(silent)),
            (send, silent) => send.or(silent),
        }
    }

    fn tick(&mut self, now: Instant, out: &mut Outbox) -> Option<String> {
        if let Some(limit) = self.silence_limit()
            && now.saturating_duration_since(self.last_received) >= limit
        {
            return Some(format!(
                "the STOMP server sent nothing for {} s (its heart-beat)",
                limit.as_secs_f64()
            ));
        }
        if let Some(every) = self.send_every
            && now.saturating_duration_since(self.last_sent) >= every
        {
            out.text("\n");
            self.last_sent = now;
        }
        None
    }
}

/// SUBSCRIBE to `destination` as subscription `id`, acknowledged `ack`
/// (`auto`, `client` or `client-individual`).
pub(crate) fn subscribe(id: &str, destination: &str, ack: &str) -> String {
    frame(
        "SUBSCRIBE",
        &[("id", id), ("destination", destination), ("ack", ack)],
        "",
    )
}

/// SEND `body` to `destination` with its length and the given headers.
pub(crate) fn send(destination: &str, body: &str, headers: &[(String, String)]) -> String {
    let length = body.len().to_string();
    let mut all = vec![
        ("destination", destination),
        ("content-length", length.as_str()),
    ];
    all.extend(
        headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    frame("SEND", &all, body)
}

/// ACK for a MESSAGE as `recv` returned it: `id` from its `ack` header
/// (STOMP 1.2), with its `message-id` and `subscription` as STOMP 1.1
/// wants them; just those two when it has no `ack` header.
pub(crate) fn ack(message: &Value) -> std::result::Result<String, String> {
    let headers = match (message.get("command"), message.get("headers")) {
        (Some(Value::String(command)), Some(Value::Object(headers))) if command == "MESSAGE" => {
            headers
        }
        _ => return Err("only a STOMP MESSAGE, as recv returns it, can be acknowledged".into()),
    };
    let header = |name: &str| headers.get(name).and_then(Value::as_str);
    let mut ack = Vec::new();
    if let Some(id) = header("ack") {
        ack.push(("id", id));
    }
    if let (Some(id), Some(subscription)) = (header("message-id"), header("subscription")) {
        ack.push(("message-id", id));
        ack.push(("subscription", subscription));
    }
    if ack.is_empty() {
        return Err(
            "this MESSAGE has no ack, message-id or subscription header: its subscription needs no ACK"
                .into(),
        );
    }
    Ok(frame("ACK", &ack, ""))
}

/// DISCONNECT, the goodbye before the websocket's close. No receipt is
/// asked for: the close handshake already orders it after what was sent.
pub(crate) fn disconnect() -> String {
    frame("DISCONNECT", &[], "")
}

/// A frame with escaped headers.
fn frame(command: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut frame = format!("{command}\n");
    for (name, value) in headers {
        frame.push_str(&format!("{}:{}\n", escape(name), escape(value)));
    }
    frame.push('\n');
    frame.push_str(body);
    frame.push('\0');
    frame
}

/// A header name or value escaped as STOMP 1.2 wants it.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => escaped.push_str("\\\\"),
            '\r' => escaped.push_str("\\r"),
            '\n' => escaped.push_str("\\n"),
            ':' => escaped.push_str("\\c"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// An escaped header name or value as it was; an unknown escape is kept
/// as it came.
fn unescape(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            plain.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => plain.push('\\'),
            Some('r') => plain.push('\r'),
            Some('n') => plain.push('\n'),
            Some('c') => plain.push(':'),
            Some(other) => {
                plain.push('\\');
                plain.push(other);
            }
            None => plain.push('\\'),
        }
    }
    plain
}

/// Refuses a CONNECT header that a frame cannot carry unescaped.
fn check_connect_header(name: &str, value: &str) -> Result<()> {
    let breaks = |text: &str| text.contains(['\r', '\n', '\0']);
    if name.is_empty() || name.contains(':') || breaks(name) {
        return Err(Error::Usage(format!(
            "--protocol-init for stomp: {name:?} cannot be a header name (no colon, line break or NUL)"
        )));
    }
    if breaks(value) {
        return Err(Error::Usage(format!(
            "--protocol-init for stomp: the value of {name} has a line break or NUL, which a CONNECT frame cannot carry"
        )));
    }
    Ok(())
}

/// A message's text: a binary one too when it is UTF-8.
fn text_of(message: &Message) -> std::result::Result<&str, String> {
    if let Message::Binary(bytes) = message {
        return std::str::from_utf8(bytes)
            .map_err(|_| "a binary frame that is not UTF-8: expected a STOMP frame".to_string());
    }
    match message {
        Message::Text(text) => Ok(text),
        _ => Err("not a frame from the server".into()),
    }
}

/// Whether a message is only line ends: a heart-beat.
fn is_heart_beat(text: &str) -> bool {
    !text.is_empty()
        && text.split('\n').all(|line| line.is_empty() || line == "\r")
        && !text.ends_with('\r')
}

/// The two numbers of a `heart-beat: x,y` header.
fn heart_beats(header: &str) -> Option<(u64, u64)> {
    let (x, y) = header.split_once(',')?;
    Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
}

/// The sentence for an ERROR in answer to CONNECT.
fn refusal(frame: &Frame) -> String {
    let mut why = String::from("the STOMP server refused CONNECT");
    let body = frame.body.trim_end();
    for part in [frame.header("message").unwrap_or_default(), body] {
        if !part.is_empty() {
            why.push_str(": ");
            why.push_str(part);
        }
    }
    why
}

/// A frame from the server.
#[derive(Debug)]
struct Frame {
    /// Its command, such as `MESSAGE`.
    command: String,
    /// Its headers, the first of repeated ones, unescaped.
    headers: Map<String, Value>,
    /// Its body, up to the NUL or `content-length` bytes.
    body: String,
}

impl Frame {
    /// Reads `COMMAND\n(header:value\n)*\nbody\0`, with `\r\n` line ends
    /// allowed, line ends before the command and after the NUL skipped.
    fn parse(text: &str) -> std::result::Result<Frame, String> {
        let text = text.trim_start_matches(['\r', '\n']);
        let (command, mut rest) =
            line(text).ok_or("a frame without a line end after its command")?;
        if command.is_empty() {
            return Err(
                "a frame without a command: expected COMMAND, headers, body and NUL".into(),
            );
        }
        // CONNECTED, like CONNECT, is not escaped.
        let escaped = command != "CONNECTED";
        let mut headers = Map::new();
        loop {
            let (line, after) =
                line(rest).ok_or("a frame whose headers do not end with an empty line")?;
            rest = after;
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or("a header line without a colon: expected name:value")?;
            let (name, value) = if escaped {
                (unescape(name), unescape(value))
            } else {
                (name.to_string(), value.to_string())
            };
            headers.entry(name).or_insert(Value::String(value));
        }
        let end = body_end(&headers, rest)?;
        let body = rest.get(..end).ok_or("a body cut inside a character")?;
        let after = rest.get(end + 1..).unwrap_or_default();
        if !after.bytes().all(|b| b == b'\r' || b == b'\n') {
            return Err("more after the frame's NUL: one frame per message is expected".into());
        }
        Ok(Frame {
            command: command.to_string(),
            headers,
            body: body.to_string(),
        })
    }

    /// A header's value.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(Value::as_str)
    }

    /// The frame as a message shown as `summary`.
    fn decoded(self, summary: String) -> Incoming {
        let value = Map::from_iter([
            ("command".to_string(), Value::String(self.command)),
            ("headers".to_string(), Value::Object(self.headers)),
            ("body".to_string(), Value::String(self.body)),
        ]);
        Incoming::Message(Decoded {
            summary,
            value: Value::Object(value),
        })
    }
}

/// The first line of `text` without its line end, and the rest.
fn line(text: &str) -> Option<(&str, &str)> {
    let (line, rest) = text.split_once('\n')?;
    Some((line.strip_suffix('\r').unwrap_or(line), rest))
}

/// Where the body in `rest` ends: at `content-length` bytes, which a NUL
/// must follow, or else at the first NUL.
fn body_end(headers: &Map<String, Value>, rest: &str) -> std::result::Result<usize, String> {
    let Some(length) = headers.get("content-length").and_then(Value::as_str) else {
        return rest
            .find('\0')
            .ok_or_else(|| "a frame without the NUL that ends it".to_string());
    };
    let length: usize = length
        .parse()
        .map_err(|_| "a content-length that is not a number of bytes".to_string())?;
    if rest.as_bytes().get(length) != Some(&0) {
        return Err("a frame without a NUL after its content-length bytes".into());
    }
    Ok(length)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CONNECTED: &str = "CONNECTED\nversion:1.2\nheart-beat:200,200\nsession:session-1\nserver:ws-protocols-stomp/1.0\n\n\0";

    /// An adapter for host `localhost`, opened, and what it sent.
    fn opened(init: Option<Value>) -> (Stomp, Vec<Message>) {
        let mut protocol = Stomp::new(init.as_ref()).expect("a valid init");
        let mut request = Request {
            host: "localhost".into(),
            ..Request::default()
        };
        protocol.prepare(&mut request);
        assert_eq!(
            request.subprotocols,
            ["v12.stomp", "v11.stomp", "v10.stomp"]
        );
        let mut out = Outbox::default();
        protocol.opened(Some("v12.stomp"), &mut out);
        (protocol, out.take())
    }

    /// An adapter that got `connected`.
    fn connected(connected: &str) -> Stomp {
        let (mut protocol, _) = opened(None);
        let seen = feed(&mut protocol, connected);
        assert!(matches!(seen, Incoming::Own(label) if label == "connected"));
        assert!(protocol.is_ready());
        protocol
    }

    fn feed(protocol: &mut Stomp, text: &str) -> Incoming {
        protocol.incoming(&Message::Text(text.into()), &mut Outbox::default())
    }

    fn decoded(protocol: &mut Stomp, text: &str) -> Decoded {
        match feed(protocol, text) {
            Incoming::Message(decoded) => decoded,
            other => panic!("{text:?} gave {other:?}"),
        }
    }

    #[test]
    fn init_must_be_an_object_of_strings() {
        for init in [json!("guest"), json!({"login": 1}), json!([1])] {
            let Err(Error::Usage(why)) = Stomp::new(Some(&init)) else {
                panic!("{init} was taken");
            };
            assert_eq!(why, INIT_USAGE);
        }
        for init in [
            json!({"login": "a\nb"}),
            json!({"a:b": "c"}),
            json!({"": "c"}),
        ] {
            assert!(
                matches!(Stomp::new(Some(&init)), Err(Error::Usage(_))),
                "{init}"
            );
        }
    }

    #[test]
    fn connects() {
        let (protocol, sent) = opened(Some(json!({"login": "u", "passcode": "p:w"})));
        assert_eq!(
            sent,
            [Message::Text(
                "CONNECT\naccept-version:1.2,1.1,1.0\nhost:localhost\nheart-beat:10000,10000\nlogin:u\npasscode:p:w\n\n\0".into()
            )]
        );
        assert!(!protocol.is_ready());
        assert_eq!(protocol.deadline(), None);
        let (_, sent) = opened(Some(json!({"host": "/", "login": "u"})));
        assert_eq!(
            sent,
            [Message::Text(
                "CONNECT\naccept-version:1.2,1.1,1.0\nhost:/\nheart-beat:10000,10000\nlogin:u\n\n\0"
                    .into()
            )]
        );
    }

    #[test]
    fn heart_beats_as_agreed() {
        let mut protocol = connected(CONNECTED);
        let sent = protocol.last_sent;
        assert_eq!(protocol.send_every, Some(Duration::from_secs(10)));
        assert_eq!(protocol.expect_every, Some(Duration::from_secs(10)));
        assert_eq!(protocol.deadline(), Some(sent + Duration::from_secs(10)));

        let mut out = Outbox::default();
        let later = protocol.last_received + Duration::from_secs(10);
        assert_eq!(protocol.tick(later, &mut out), None);
        assert_eq!(out.take(), [Message::Text("\n".into())]);
        assert_eq!(protocol.last_sent, later);

        let heart_beat = feed(&mut protocol, "\n");
        assert!(matches!(heart_beat, Incoming::Own(label) if label == "heart-beat"));
        let silent = protocol.last_received + Duration::from_secs(20);
        assert_eq!(
            protocol.tick(silent, &mut out).as_deref(),
            Some("the STOMP server sent nothing for 20 s (its heart-beat)")
        );
    }

    #[test]
    fn heart_beats_offered_by_init_and_no_silence_counted_while_paused() {
        let init = serde_json::json!({"heart-beat": "300,400"});
        let (mut protocol, frames) = opened(Some(init));
        assert!(
            matches!(&frames[..], [Message::Text(f)] if f.contains("\nheart-beat:300,400\n")),
            "{frames:?}"
        );
        feed(
            &mut protocol,
            "CONNECTED\nversion:1.2\nheart-beat:500,200\n\n\0",
        );
        assert_eq!(protocol.send_every, Some(Duration::from_millis(300)));
        assert_eq!(protocol.expect_every, Some(Duration::from_millis(500)));
        protocol.reading(false);
        let long_after = protocol.last_received + Duration::from_secs(60);
        assert_eq!(protocol.tick(long_after, &mut Outbox::default()), None);
        protocol.reading(true);
        assert!(protocol.last_received > long_after - Duration::from_secs(60));
        let bad = serde_json::json!({"heart-beat": "soon"});
        assert!(Stomp::new(Some(&bad)).is_err());
    }

    #[test]
    fn heart_beats_the_server_does_not_want() {
        let protocol = connected("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0");
        assert_eq!(protocol.deadline(), None);
        let protocol = connected("CONNECTED\nversion:1.2\n\n\0");
        assert_eq!(protocol.deadline(), None);
        let protocol = connected("CONNECTED\nversion:1.2\nheart-beat:0,25000\n\n\0");
        assert_eq!(protocol.send_every, Some(Duration::from_secs(25)));
        assert_eq!(protocol.expect_every, None);
        let mut protocol =
            connected("CONNECTED\nheart-beat:18446744073709551615,18446744073709551615\n\n\0");
        protocol.deadline();
        assert_eq!(protocol.tick(Instant::now(), &mut Outbox::default()), None);
    }

    #[test]
    fn heart_beat_frames() {
        let mut protocol = connected(CONNECTED);
        for text in ["\n", "\r\n", "\n\n", "\r\n\n"] {
            assert!(
                matches!(feed(&mut protocol, text), Incoming::Own(_)),
                "{text:?}"
            );
        }
        for text in ["", "\r", "\n\r", " \n"] {
            assert!(
                matches!(feed(&mut protocol, text), Incoming::Malformed(_)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn messages() {
        let mut protocol = connected(CONNECTED);
        let message = decoded(
            &mut protocol,
            "MESSAGE\ndestination:/queue/a\nmessage-id:message-2\nsubscription:sub-b\nack:message-2\ncontent-type:text/plain\ncontent-length:5\ncolour:a\\cb\n\nhello\0",
        );
        assert_eq!(message.summary, "MESSAGE /queue/a hello");
        assert_eq!(
            message.value,
            json!({
                "command": "MESSAGE",
                "headers": {
                    "destination": "/queue/a",
                    "message-id": "message-2",
                    "subscription": "sub-b",
                    "ack": "message-2",
                    "content-type": "text/plain",
                    "content-length": "5",
                    "colour": "a:b",
                },
                "body": "hello",
            })
        );
        let crlf = decoded(
            &mut protocol,
            "\nMESSAGE\r\ndestination:/q\r\nx:1\r\nx:2\r\n\r\nbody\0\n\r\n",
        );
        assert_eq!(crlf.summary, "MESSAGE /q body");
        assert_eq!(
            crlf.value["headers"],
            json!({"destination": "/q", "x": "1"})
        );
        let nul = decoded(
            &mut protocol,
            "MESSAGE\ndestination:/q\ncontent-length:3\n\na\0b\0",
        );
        assert_eq!(nul.value["body"], "a\0b");
        let empty = decoded(&mut protocol, "MESSAGE\ndestination:/q\n\n\0");
        assert_eq!(empty.summary, "MESSAGE /q");
    }

    #[test]
    fn binary_frames() {
        let mut protocol = connected(CONNECTED);
        let frame = b"MESSAGE\ndestination:/q\n\nh\xc3\xa9\0".to_vec();
        let seen = protocol.incoming(&Message::Binary(frame), &mut Outbox::default());
        assert!(matches!(seen, Incoming::Message(decoded) if decoded.summary == "MESSAGE /q hé"));
        let frame = b"MESSAGE\ndestination:/q\n\n\xff\0".to_vec();
        let seen = protocol.incoming(&Message::Binary(frame), &mut Outbox::default());
        assert!(matches!(seen, Incoming::Malformed(_)));
    }

    #[test]
    fn receipts_and_errors() {
        let mut protocol = connected(CONNECTED);
        let receipt = decoded(&mut protocol, "RECEIPT\nreceipt-id:r1\n\n\0");
        assert_eq!(receipt.summary, "RECEIPT r1");
        assert_eq!(receipt.value["headers"]["receipt-id"], "r1");
        let error = decoded(
            &mut protocol,
            "ERROR\nmessage:unknown ack id\ncontent-type:text/plain\ncontent-length:43\n\nno message awaits an ACK with id no-such-id\0",
        );
        assert_eq!(error.summary, "ERROR unknown ack id");
        assert_eq!(
            error.value["body"],
            "no message awaits an ACK with id no-such-id"
        );
    }

    #[test]
    fn a_refused_connect() {
        let (mut protocol, _) = opened(Some(json!({"login": "user", "passcode": "nope"})));
        let refused = feed(
            &mut protocol,
            "ERROR\nmessage:bad credentials\ncontent-type:text/plain\ncontent-length:26\n\nlogin or passcode is wrong\0",
        );
        assert!(matches!(refused, Incoming::Refused(why)
            if why == "the STOMP server refused CONNECT: bad credentials: login or passcode is wrong"));
        let refused = feed(&mut protocol, "ERROR\nmessage:no\n\n\0");
        assert!(matches!(refused, Incoming::Refused(why)
            if why == "the STOMP server refused CONNECT: no"));
    }

    #[test]
    fn connected_headers_are_not_unescaped() {
        let protocol = connected("CONNECTED\nserver:a\\cb\nheart-beat:0,0\n\n\0");
        assert!(protocol.is_ready());
        let mut protocol = connected(CONNECTED);
        let message = decoded(&mut protocol, "MESSAGE\nx:a\\\\b\\n\\r\\t\n\n\0");
        assert_eq!(message.value["headers"]["x"], "a\\b\n\r\\t");
    }

    #[test]
    fn malformed_frames() {
        let mut protocol = connected(CONNECTED);
        for text in [
            "MESSAGE",
            "MESSAGE\ndestination:/q\n",
            "MESSAGE\ndestination:/q\n\nbody",
            "MESSAGE\nno colon\n\n\0",
            "MESSAGE\ncontent-length:9\n\nshort\0",
            "MESSAGE\ncontent-length:x\n\n\0",
            "MESSAGE\ncontent-length:99999999999999999999999\n\n\0",
            "MESSAGE\ncontent-length:1\n\nab\0",
            "MESSAGE\n\na\0RECEIPT\nreceipt-id:r\n\n\0",
            "\n\0",
            "SEND\ndestination:/q\n\nx\0",
        ] {
            assert!(
                matches!(feed(&mut protocol, text), Incoming::Malformed(_)),
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_reconnect_starts_over() {
        let mut protocol = connected(CONNECTED);
        let mut out = Outbox::default();
        protocol.opened(None, &mut out);
        assert!(!protocol.is_ready());
        assert_eq!(protocol.deadline(), None);
        assert_eq!(out.take().len(), 1);
    }

    #[test]
    fn client_frames() {
        assert_eq!(
            subscribe("sub-0", "/queue/a", "client-individual"),
            "SUBSCRIBE\nid:sub-0\ndestination:/queue/a\nack:client-individual\n\n\0"
        );
        assert_eq!(
            send(
                "/queue/a",
                "héllo",
                &[
                    ("content-type".into(), "text/plain".into()),
                    ("colour".into(), "a:b\n".into())
                ]
            ),
            "SEND\ndestination:/queue/a\ncontent-length:6\ncontent-type:text/plain\ncolour:a\\cb\\n\n\nhéllo\0"
        );
        assert_eq!(disconnect(), "DISCONNECT\n\n\0");
    }

    #[test]
    fn acks() {
        let mut protocol = connected(CONNECTED);
        let twelve = decoded(
            &mut protocol,
            "MESSAGE\ndestination:/queue/a\nmessage-id:message-2\nsubscription:sub-b\nack:message-2\ncontent-length:5\n\nhello\0",
        );
        assert_eq!(
            ack(&twelve.value).as_deref(),
            Ok("ACK\nid:message-2\nmessage-id:message-2\nsubscription:sub-b\n\n\0")
        );
        let eleven = decoded(
            &mut protocol,
            "MESSAGE\ndestination:/queue/tx\nmessage-id:message-5\nsubscription:s\ncontent-length:3\n\ntwo\0",
        );
        assert_eq!(
            ack(&eleven.value).as_deref(),
            Ok("ACK\nmessage-id:message-5\nsubscription:s\n\n\0")
        );
        let receipt = decoded(&mut protocol, "RECEIPT\nreceipt-id:r1\n\n\0");
        assert!(ack(&receipt.value).is_err());
        assert!(ack(&json!({"command": "MESSAGE", "headers": {}})).is_err());
        assert!(ack(&json!("MESSAGE")).is_err());
    }
}
