//! `ws text` and `ws byte`: one message, then the close handshake. The
//! message is read first (`file@PATH`, `-` for standard input), so nothing
//! is sent when it cannot be; then connect, send, close with 1000 and wait
//! for the server's close frame (bounded by `disconnect_timeout`), and exit.

use std::io::Read;
use std::path::Path;

use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::cli::SendArgs;
use crate::connection::{close_handshake, describe, dial, url};
use crate::console::Console;
use crate::console::render::sent_line;
use crate::error::{Error, Result};
use crate::runtime::runtime;

/// Which frame to send.
pub(crate) enum Kind {
    Text,
    Binary,
}

pub(crate) fn run(args: SendArgs, kind: Kind) -> Result<i32> {
    let url = url::parse(&args.url)?;
    let (settings, options) = super::client_settings(&args.connect, None)?;
    let bytes = read_message(&args.message)?;
    let message = match kind {
        Kind::Text => WsMessage::text(into_text(bytes, &args.message)?),
        Kind::Binary => WsMessage::binary(bytes),
    };
    let size = message.len();
    let console = Console::stdio();
    runtime().block_on(async {
        let (mut ws, _) = dial(&url, &options).await?;
        ws.send(message)
            .await
            .map_err(|e| Error::Connection(describe(&e)))?;
        console.out(sent_line(size));
        close_handshake(&mut ws, CloseCode::Normal, settings.disconnect_timeout).await;
        Ok::<_, Error>(())
    })?;
    Ok(0)
}

/// The bytes of a message argument: `file@PATH` is the file's content, `-`
/// standard input, anything else the text itself.
pub(crate) fn read_message(argument: &str) -> Result<Vec<u8>> {
    if let Some(path) = argument.strip_prefix("file@") {
        return std::fs::read(path).map_err(|e| Error::file("read", path, e));
    }
    if argument == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io("cannot read standard input", e))?;
        return Ok(bytes);
    }
    Ok(argument.as_bytes().to_vec())
}

fn into_text(bytes: Vec<u8>, argument: &str) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| {
        let source = match argument.strip_prefix("file@") {
            Some(path) => Path::new(path).display().to_string(),
            None => "standard input".to_string(),
        };
        Error::Usage(format!(
            "{source} is not UTF-8 text; send it as binary with ws byte"
        ))
    })
}
