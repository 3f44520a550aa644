//! Opening a client connection: the TCP connection (direct or through an
//! HTTP proxy, see [`super::proxy`]), TLS (see [`super::tls`]) and the
//! websocket handshake with the headers, origin, basic authentication and
//! subprotocols asked for, and the permessage-deflate offer (see
//! [`super::deflate`]), all within `connect_timeout`. Each failure is
//! turned into an [`Error`] that names the host and what to change.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError, TlsError};
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::header::USER_AGENT;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::deflate::{self, DeflateStream, Params};
use super::options::ConnectOptions;
use super::proxy::{self, Proxy, authority};
use super::tls;
use crate::error::{Error, Result};

/// The socket type of every client connection.
pub type WsStream = WebSocketStream<DeflateStream<MaybeTlsStream<TcpStream>>>;

/// What the handshake settled.
#[derive(Clone, Debug, Default)]
pub struct Handshake {
    /// The subprotocol the server chose, if any.
    pub subprotocol: Option<String>,
    /// The compression agreed on, if any.
    pub compression: Option<Params>,
}

/// Bytes read from the socket at a time. tungstenite allocates (and
/// zero-fills) this per connection; 16 KiB keeps an idle connection small
/// and bulk reads fast (its default is 128 KiB).
pub(crate) const READ_BUFFER_SIZE: usize = 16 * 1024;
/// Bytes gathered before they are written to the socket (what is queued
/// is written out anyway once the queue is empty). 256 KiB lets a burst of
/// large messages go in a quarter of the writes (260 instead of 1,002 for
/// 1,000 messages of 64 KiB), each of which costs the kernel the delivery
/// to the peer and its wake-up: a script's 1,000 messages take 0.93 of the
/// time, and the echo server's 8 clients of 16 KiB messages 64 in flight
/// get 1.1 times as many echoes (paired runs). The buffer is only as large
/// as what a connection sent at once, so an idle one costs nothing more.
pub(crate) const WRITE_BUFFER_SIZE: usize = 256 * 1024;
/// Room in the write buffer beyond one largest message: pongs and the close.
const CONTROL_ROOM: usize = 4 * 1024;

/// The websocket settings for a message size limit. The write buffer is
/// bounded too: one message of the largest size and what is gathered
/// before it, so a peer that reads nothing cannot make it grow.
pub(crate) fn ws_config(max_message_size: usize) -> WebSocketConfig {
    let frame_overhead = 14;
    WebSocketConfig::default()
        .max_message_size(Some(max_message_size))
        .max_frame_size(Some(max_message_size))
        .read_buffer_size(READ_BUFFER_SIZE)
        .write_buffer_size(WRITE_BUFFER_SIZE)
        .max_write_buffer_size(
            WRITE_BUFFER_SIZE
                .saturating_add(max_message_size)
                .saturating_add(frame_overhead + CONTROL_ROOM),
        )
}

/// Opens a connection to `url` (already normalised by [`super::url::parse`]).
pub async fn dial(url: &str, options: &ConnectOptions) -> Result<(WsStream, Handshake)> {
    let request = build_request(url, options)?;
    let uri = request.uri();
    let wss = uri.scheme_str() == Some("wss");
    let port = uri.port_u16().unwrap_or(if wss { 443 } else { 80 });
    // The host's name or address, without an IPv6 address's brackets.
    let name = uri.host().unwrap_or_default().trim_matches(['[', ']']);
    let name = name.to_string();
    let tls = wss.then(|| tls::client_config(&options.tls, options.insecure));
    let tls = tls.transpose()?.map(Arc::new);
    let env = |var: &str| std::env::var(var).ok();
    let proxy = proxy::choose(options.proxy.as_deref(), &name, wss, &env)?;
    let host = authority(&name, port);
    let work = async {
        let stream = proxy::open(proxy.as_ref(), &name, port).await?;
        let stream = match tls {
            Some(config) => secure(stream, &name, config)
                .await
                .map_err(|e| handshake_error(&host, e))?,
            None => MaybeTlsStream::Plain(stream),
        };
        upgrade(request, stream, options, &host).await
    };
    tokio::time::timeout(options.connect_timeout, work)
        .await
        .map_err(|_| timeout_error(&host, options.connect_timeout, proxy.as_ref()))?
}

/// TLS on an open connection to `host`.
async fn secure(
    stream: TcpStream,
    host: &str,
    config: Arc<rustls::ClientConfig>,
) -> std::result::Result<MaybeTlsStream<TcpStream>, WsError> {
    let name = rustls::pki_types::ServerName::try_from(host)
        .map_err(|_| WsError::Tls(TlsError::InvalidDnsName))?
        .to_owned();
    let connector = tokio_rustls::TlsConnector::from(config);
    let stream = connector.connect(name, stream).await.map_err(WsError::Io)?;
    Ok(MaybeTlsStream::Rustls(stream))
}

/// The websocket handshake on an open (and secured) connection, with the
/// permessage-deflate offer unless `--no-compression`.
async fn upgrade(
    mut request: Request,
    stream: MaybeTlsStream<TcpStream>,
    options: &ConnectOptions,
    host: &str,
) -> Result<(WsStream, Handshake)> {
    if options.compression && !request.headers().contains_key(deflate::HEADER) {
        let offer = HeaderValue::from_static(deflate::CLIENT_OFFER);
        request.headers_mut().insert(deflate::HEADER, offer);
    }
    let offered = request.headers().contains_key(deflate::HEADER);
    let stream = DeflateStream::new(stream, Role::Client);
    let config = ws_config(options.max_message_size);
    let (mut ws, response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config))
            .await
            .map_err(|e| handshake_error(host, e))?;
    let answer = deflate::header_values(response.headers());
    let compression = deflate::client_accepts(offered, &answer).map_err(|what| {
        Error::Connect(format!(
            "the websocket handshake with {host} failed: {what}; try --no-compression"
        ))
    })?;
    let tuning = deflate::Tuning {
        threshold: options.compression_threshold,
        window_bits: options.compression_window_bits,
        mem_level: options.compression_mem_level,
    };
    ws.get_mut()
        .enable(compression, options.max_message_size, tuning);
    let subprotocol = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Ok((
        ws,
        Handshake {
            subprotocol,
            compression,
        },
    ))
}

/// Checks the connection options that come from flags before any I/O:
/// headers, origin, subprotocols, `--auth` and `--proxy`.
pub fn check_options(options: &ConnectOptions) -> Result<()> {
    build_request("ws://localhost/", options)?;
    if let Some(url) = options.proxy.as_deref().filter(|u| !u.trim().is_empty()) {
        proxy::parse(url, "--proxy")?;
    }
    Ok(())
}

/// The handshake request: the URL less any `user:password@` (which
/// becomes basic authentication), plus the options' headers.
fn build_request(url: &str, options: &ConnectOptions) -> Result<Request> {
    let (url, userinfo) = split_userinfo(url);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|_| Error::InvalidUrl(url.clone()))?;
    let headers = request.headers_mut();
    let mut add = |name: &str, value: &str, flag: &str| -> Result<()> {
        let bad = || {
            let value = super::redact::header_value(name, value);
            let (shown, allowed) = match flag {
                "extra_headers" => (
                    format!("{name}: {value}"),
                    "a valid header name and a value",
                ),
                _ => (value.to_string(), "a value"),
            };
            Error::Settings(format!(
                "{flag} {shown:?} is not allowed: use {allowed} without control characters"
            ))
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
        headers.append(name, value);
        Ok(())
    };
    for (name, value) in &options.headers {
        add(name, value, "extra_headers")?;
    }
    if let Some(origin) = &options.origin {
        add("Origin", origin, "--origin")?;
    }
    if let Some(credentials) = options.auth.as_deref().or(userinfo.as_deref()) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        add("Authorization", &format!("Basic {encoded}"), "--auth")?;
    }
    if let Some(bad) = options.subprotocols.iter().find(|p| !is_token(p)) {
        return Err(Error::Settings(format!(
            "--subprotocol {bad:?} is not allowed: use a name of letters, digits and !#$%&'*+-.^_`|~"
        )));
    }
    if !options.subprotocols.is_empty() {
        add(
            "Sec-WebSocket-Protocol",
            &options.subprotocols.join(", "),
            "--subprotocol",
        )?;
    }
    let headers = request.headers_mut();
    if !headers.contains_key(USER_AGENT) {
        let agent = concat!("ws/", env!("CARGO_PKG_VERSION"));
        headers.insert(USER_AGENT, HeaderValue::from_static(agent));
    }
    Ok(request)
}

/// Whether `text` is an HTTP token, as subprotocol names must be.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// `ws://user:pass@host/x` → (`ws://host/x`, `Some("user:pass")`).
fn split_userinfo(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((userinfo, host)) => (
            format!("{scheme}://{host}{}", &rest[end..]),
            Some(userinfo.to_string()),
        ),
        None => (url.to_string(), None),
    }
}

fn timeout_error(host: &str, limit: Duration, proxy: Option<&Proxy>) -> Error {
    let via = proxy.map_or_else(String::new, |p| {
        format!(" through the proxy {}", p.address())
    });
    Error::Timeout {
        what: format!("could not connect to {host}{via}"),
        after: limit,
        hint: "; raise connect_timeout (--connect-timeout or WS_CONNECT_TIMEOUT) if the server is slow"
            .into(),
    }
}

/// Turns a failed TLS or websocket handshake with `host` into an error that
/// says what to do.
pub(crate) fn handshake_error(host: &str, error: WsError) -> Error {
    match error {
        WsError::Http(response) => refused(*response),
        WsError::Io(e) => match tls::inner_error(&e) {
            Some(tls_error) => Error::tls(Some(host.to_string()), tls::describe(tls_error, host)),
            None if e.to_string().contains("tls handshake eof") => Error::tls(
                Some(host.to_string()),
                format!(
                    "{host} ended the connection during the TLS handshake: it does not seem to speak TLS on this port; use ws:// for a plain port"
                ),
            ),
            None => Error::Connect(format!(
                "the connection to {host} broke during the handshake: {}",
                crate::error::io_reason(&e)
            )),
        },
        WsError::Tls(TlsError::InvalidDnsName) => Error::tls(
            Some(host.to_string()),
            format!("cannot use TLS with {host}: it is not a valid server name"),
        ),
        WsError::Tls(e) => Error::tls(
            Some(host.to_string()),
            format!("the TLS handshake with {host} failed: {e}"),
        ),
        WsError::Protocol(ProtocolError::SecWebSocketSubProtocolError(_)) => {
            Error::Connect(format!(
                "{host} did not agree on a subprotocol: it chose none of those offered with --subprotocol, or one that was not offered"
            ))
        }
        WsError::Protocol(ProtocolError::HttparseError(_)) => Error::Connect(format!(
            "{host} did not answer the websocket handshake in HTTP: if it is a TLS port, use wss://"
        )),
        WsError::Protocol(ProtocolError::HandshakeIncomplete) => Error::Connect(format!(
            "{host} closed the connection before the websocket handshake finished; check that it is a websocket server, and use wss:// for a TLS port"
        )),
        // tungstenite's limits on a response: 64 KiB, 512 reads (or reads
        // of under 128 bytes on average), 124 headers.
        WsError::AttackAttempt => Error::Connect(format!(
            "{host} sent a handshake response over 64 KiB, or in a trickle of tiny pieces, so it was dropped; check that it is a websocket server"
        )),
        WsError::Capacity(CapacityError::TooManyHeaders) => Error::Connect(format!(
            "{host} sent a handshake response with more than 124 headers, so it was dropped; check that it is a websocket server"
        )),
        WsError::Url(e) => Error::Connect(format!("cannot connect to {host}: {e}")),
        other => Error::Connect(format!(
            "the websocket handshake with {host} failed: {other}"
        )),
    }
}

fn refused(response: tokio_tungstenite::tungstenite::http::Response<Option<Vec<u8>>>) -> Error {
    let (parts, body) = response.into_parts();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
        .collect();
    let body = body.map(|b| String::from_utf8_lossy(&b).into_owned());
    Error::Handshake {
        status: parts.status.as_u16(),
        reason: parts.status.canonical_reason().unwrap_or("").into(),
        headers,
        body: body.unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_becomes_basic_authentication() {
        let (url, user) = split_userinfo("ws://u:p@host:1/x?y=@");
        assert_eq!(url, "ws://host:1/x?y=@");
        assert_eq!(user.as_deref(), Some("u:p"));
        let request = build_request("ws://u:p@host/", &ConnectOptions::default()).unwrap();
        assert_eq!(request.headers()["authorization"], "Basic dTpw");
    }

    #[test]
    fn bad_flags_are_refused_before_connecting() {
        let origin = ConnectOptions {
            origin: Some("a\nb".into()),
            ..ConnectOptions::default()
        };
        let proxy = ConnectOptions {
            proxy: Some("socks5://x:1".into()),
            ..ConnectOptions::default()
        };
        for (options, named) in [(origin, "--origin"), (proxy, "socks5")] {
            let refused = check_options(&options).unwrap_err().to_string();
            assert!(refused.contains(named), "{refused}");
        }
    }
}
