//! Errors caused by a server that breaks the protocol: a raw TCP
//! server completes the handshake, then writes bytes no websocket library
//! would send, and records the close frame `ws` answers with; or answers
//! the upgrade with a response past the handshake's limits; or closes at
//! once, before the client's message is out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::Output;
use std::sync::mpsc;
use std::time::Duration;

use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use crate::support::errors;
use crate::support::{home, ws_cmd};

/// Accepts one client, answers its upgrade, writes `frames` and returns the
/// close code of the client's close frame (`None` if it sent none).
fn raw_server(frames: &'static [u8]) -> (SocketAddr, mpsc::Receiver<Option<u16>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut key = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("sec-websocket-key")
            {
                key = value.trim().to_string();
            }
        }
        let mut writer = stream;
        let answer = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
            derive_accept_key(key.as_bytes())
        );
        // One write: the frames come with the answer, before any message
        // of the client's can be out.
        writer
            .write_all(&[answer.as_bytes(), frames].concat())
            .unwrap();
        let _ = tx.send(read_close_code(&mut reader));
    });
    (address, rx)
}

/// Reads client frames (masked) until a close frame; returns its code.
fn read_close_code(reader: &mut impl Read) -> Option<u16> {
    loop {
        let mut head = [0u8; 2];
        reader.read_exact(&mut head).ok()?;
        let mut length = u64::from(head[1] & 0x7f);
        if length == 126 {
            let mut ext = [0u8; 2];
            reader.read_exact(&mut ext).ok()?;
            length = u64::from(u16::from_be_bytes(ext));
        } else if length == 127 {
            let mut ext = [0u8; 8];
            reader.read_exact(&mut ext).ok()?;
            length = u64::from_be_bytes(ext);
        }
        let mut mask = [0u8; 4];
        reader.read_exact(&mut mask).ok()?;
        let mut payload = vec![0u8; length as usize];
        reader.read_exact(&mut payload).ok()?;
        for (i, byte) in payload.iter_mut().enumerate() {
            *byte ^= mask[i % 4];
        }
        if head[0] & 0x0f == 0x8 {
            return payload
                .get(..2)
                .map(|code| u16::from_be_bytes([code[0], code[1]]));
        }
    }
}

fn listen(address: SocketAddr) -> Output {
    let home = home();
    ws_cmd(home.path())
        .args(["listen", &format!("ws://{address}/")])
        .output()
        .unwrap()
}

/// One plain sentence on stderr: no panic, no debug dump, no backtrace.
fn assert_one_sentence(stderr: &str) {
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("ws: error: "), "{stderr}");
    for bad in ["panicked", "Os {", "RUST_BACKTRACE", "Error {", "Utf8Error"] {
        assert!(!stderr.contains(bad), "{bad} in {stderr}");
    }
}

#[test]
fn invalid_utf8_in_a_text_frame_is_one_sentence_and_closes_with_1007() {
    let (address, close) = raw_server(&[0x81, 0x02, 0xff, 0xfe]);
    let out = listen(address);
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("UTF-8"), "{stderr}");
    assert_eq!(close.recv_timeout(Duration::from_secs(10)), Ok(Some(1007)));
}

#[test]
fn invalid_utf8_in_a_close_reason_is_one_sentence_and_closes_with_1007() {
    let (address, close) = raw_server(&[0x88, 0x04, 0x03, 0xe8, 0xff, 0xfe]);
    let out = listen(address);
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("not valid UTF-8"), "{stderr}");
    assert!(stderr.contains("close reason"), "{stderr}");
    assert_eq!(close.recv_timeout(Duration::from_secs(10)), Ok(Some(1007)));
}

/// Accepts one client, reads its upgrade request and writes `answer`
/// instead of a handshake response.
fn answering_server(answer: Vec<u8>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
            line.clear();
        }
        let _ = (&stream).write_all(&answer);
    });
    address
}

#[test]
fn an_oversized_handshake_response_is_one_sentence_that_says_so() {
    let long_header = format!(
        "HTTP/1.1 101 Switching Protocols\r\nX-Junk: {}\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers = format!(
        "HTTP/1.1 101 Switching Protocols\r\n{}\r\n",
        "X-Junk: a\r\n".repeat(200)
    );
    let cases = [
        (long_header, "handshake response over 64 KiB"),
        (
            many_headers,
            "handshake response with more than 124 headers",
        ),
    ];
    for (answer, said) in cases {
        let address = answering_server(answer.into_bytes());
        let out = listen(address);
        let stderr = errors(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_one_sentence(&stderr);
        assert!(
            stderr.contains(&format!("{address} sent a {said}")),
            "{stderr}"
        );
    }
}

#[test]
fn a_protocol_error_from_the_server_is_one_sentence_and_closes_with_1002() {
    // Opcode 3 is reserved.
    let (address, close) = raw_server(&[0x83, 0x00]);
    let out = listen(address);
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_one_sentence(&stderr);
    assert!(stderr.contains("protocol"), "{stderr}");
    assert_eq!(close.recv_timeout(Duration::from_secs(10)), Ok(Some(1002)));
}

#[test]
fn a_close_code_not_valid_on_the_wire_is_reported_as_sent_and_answered_with_1002() {
    // 999, 1005 and 1006 must never be sent; tungstenite turns each into
    // 1002 before the engine sees it.
    let cases: [(&'static [u8], u16); 3] = [
        (&[0x88, 0x05, 0x03, 0xe7, b'b', b'y', b'e'], 999),
        (&[0x88, 0x05, 0x03, 0xed, b'b', b'y', b'e'], 1005),
        (&[0x88, 0x05, 0x03, 0xee, b'b', b'y', b'e'], 1006),
    ];
    for (frames, code) in cases {
        let (address, close) = raw_server(frames);
        let out = listen(address);
        let stderr = errors(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_one_sentence(&stderr);
        assert_eq!(
            stderr,
            format!(
                "ws: error: the connection was closed by the server with code {code} \
                 (not a valid close code; answered with 1002): bye\n"
            )
        );
        assert_eq!(close.recv_timeout(Duration::from_secs(10)), Ok(Some(1002)));
    }
}

#[test]
fn a_valid_close_code_is_reported_with_its_meaning() {
    let (address, close) = raw_server(&[0x88, 0x05, 0x0f, 0xa0, b'b', b'y', b'e']);
    let out = listen(address);
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "ws: error: the connection was closed by the server with code 4000 (private use): bye\n"
    );
    assert_eq!(close.recv_timeout(Duration::from_secs(10)), Ok(Some(4000)));
}

#[test]
fn a_message_the_server_closed_before_is_not_sent_and_says_so() {
    // Its close frame (1000, "bye") comes with the answer to the upgrade.
    let (address, close) = raw_server(&[0x88, 0x05, 0x03, 0xe8, b'b', b'y', b'e']);
    let home = home();
    let out = ws_cmd(home.path())
        .args(["text", &format!("ws://{address}/"), "hello"])
        .output()
        .unwrap();
    let stderr = errors(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr,
        "ws: error: the message was not sent: the server closed the connection first, \
         with code 1000 (normal closure): bye\n"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(close.recv_timeout(Duration::from_secs(10)), Ok(Some(1000)));
}
