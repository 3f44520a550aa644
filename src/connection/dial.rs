//! Opening a client connection: the TCP connection, TLS and the websocket
//! handshake, each failure turned into an [`Error`] that says what to do.

use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Error as WsError};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::ConnectOptions;
use crate::error::{Error, Result};

/// The socket type of every client connection.
pub type WsStream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the handshake settled.
#[derive(Clone, Debug, Default)]
pub struct Handshake {
    /// The subprotocol the server chose, if any.
    pub subprotocol: Option<String>,
}

/// The websocket settings for a message size limit.
pub(crate) fn ws_config(max_message_size: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max_message_size))
        .max_frame_size(Some(max_message_size))
}

/// Opens a connection to `url` (already normalised by [`super::url::parse`]).
pub async fn dial(url: &str, options: &ConnectOptions) -> Result<(WsStream, Handshake)> {
    let request = build_request(url, options)?;
    let config = ws_config(options.max_message_size);
    let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    let (stream, response) = tokio::time::timeout(options.connect_timeout, connect)
        .await
        .map_err(|_| timeout_error(url, options.connect_timeout))?
        .map_err(|e| handshake_error(url, e))?;
    let subprotocol = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((stream, Handshake { subprotocol }))
}

fn build_request(
    url: &str,
    options: &ConnectOptions,
) -> Result<tungstenite::handshake::client::Request> {
    let mut request = url
        .into_client_request()
        .map_err(|_| Error::InvalidUrl(url.to_string()))?;
    let headers = request.headers_mut();
    let mut add = |name: &str, value: &str| -> Result<()> {
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| Error::Usage(format!("{name:?} is not a valid header name")))?;
        let value = HeaderValue::from_str(value.trim())
            .map_err(|_| Error::Usage(format!("{value:?} is not a valid header value")))?;
        headers.append(name, value);
        Ok(())
    };
    for (name, value) in &options.headers {
        add(name, value)?;
    }
    if let Some(origin) = &options.origin {
        add("Origin", origin)?;
    }
    if !options.subprotocols.is_empty() {
        add("Sec-WebSocket-Protocol", &options.subprotocols.join(", "))?;
    }
    Ok(request)
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?']).next().unwrap_or(rest)
}

fn timeout_error(url: &str, limit: Duration) -> Error {
    Error::Connect(format!(
        "could not connect to {} within {} s; raise connect_timeout (--connect-timeout) if the server is slow",
        host_of(url),
        limit.as_secs_f64()
    ))
}

/// Turns a failed handshake into an error that names the host and the fix.
pub(crate) fn handshake_error(url: &str, error: WsError) -> Error {
    let host = host_of(url);
    match error {
        WsError::Http(response) => {
            let (parts, body) = response.into_parts();
            let status = format!(
                "{} {}",
                parts.status.as_u16(),
                parts.status.canonical_reason().unwrap_or("")
            );
            let headers = parts
                .headers
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                .collect();
            let body = body.map(|b| String::from_utf8_lossy(&b).into_owned());
            Error::Handshake {
                status: status.trim().to_string(),
                headers,
                body: body.unwrap_or_default(),
            }
        }
        WsError::Io(e) => match e.kind() {
            std::io::ErrorKind::ConnectionRefused => Error::Connect(format!(
                "could not connect to {host}: connection refused; is the server running and the port right?"
            )),
            _ if e.to_string().contains("failed to lookup address") => Error::Connect(format!(
                "could not resolve the host name of {host}; check the URL"
            )),
            _ => Error::Connect(format!(
                "could not connect to {host}: {}",
                crate::error::io_reason(&e)
            )),
        },
        WsError::Tls(e) => Error::Tls(format!(
            "TLS handshake with {host} failed: {e}; use --insecure (-k) to skip verification or set tls_ca_file"
        )),
        WsError::Url(e) => Error::Connect(format!("cannot connect to {url}: {e}")),
        other => Error::Connect(format!(
            "the websocket handshake with {host} failed: {other}"
        )),
    }
}
