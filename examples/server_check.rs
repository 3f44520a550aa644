//! An integration test of a websocket server written with the library in
//! plain Rust: no async runtime, no test framework. It connects to the
//! server under test (here the built-in echo server, so the example runs
//! anywhere; give another URL as the first argument), checks an exchange
//! and the close, and exits 1 with a sentence when a check fails.
//!
//! Run with: `cargo run --example server_check [URL]`

use std::process::ExitCode;
use std::time::Duration;

use ws::{Message, RecvError};

fn main() -> ExitCode {
    match check() {
        Ok(()) => {
            println!("the server passed");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("the server failed: {why}");
            ExitCode::FAILURE
        }
    }
}

fn check() -> Result<(), String> {
    // Without a URL, the check runs against the library's echo server.
    let mut server = None;
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => server
            .insert(ws::EchoServer::start().map_err(|e| e.to_string())?)
            .url(),
    };
    let mut session = ws::Session::builder()
        .url(url)
        .console(ws::Console::silent())
        .build()
        .map_err(|e| e.to_string())?;
    let connection = session.connection().ok_or("no connection was opened")?;

    // Text and binary come back as sent.
    for message in [
        Message::Text("hello".into()),
        Message::Binary(vec![0, 1, 254, 255]),
    ] {
        let sent = message.clone();
        match &message {
            Message::Text(text) => connection.send_text(text.clone()),
            Message::Binary(bytes) => connection.send_binary(bytes.clone()),
            other => return Err(format!("{other:?} is not a message to send")),
        }
        .map_err(|e| e.to_string())?;
        let echo = connection.recv(Some(Duration::from_secs(5)));
        match echo {
            Ok(echo) if echo == sent => {}
            Ok(other) => return Err(format!("sent {sent:?}, got {other:?}")),
            Err(RecvError::Timeout(_)) => return Err(format!("no echo of {sent:?} within 5 s")),
            Err(e) => return Err(format!("waiting for the echo of {sent:?}: {e}")),
        }
    }

    // The same checks as a Rhai script, for what reads better that way.
    session
        .run_script("checks", r#"send(#{a: 1}); expect("\"a\":1", 5);"#)
        .map_err(|e| e.to_string())?;

    // A normal close is answered with a normal close.
    let info = connection.close(1000, "done").map_err(|e| e.to_string())?;
    if !info.is_normal() {
        return Err(format!("the close ended with code {}", info.code));
    }
    session.close_all(1000);
    Ok(())
}
