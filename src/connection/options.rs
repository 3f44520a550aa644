//! Options for opening a client connection.

use std::path::PathBuf;
use std::time::Duration;

use super::deflate;

/// How to open a client connection: the handshake's extras, TLS, limits.
/// Start from the defaults (5 s to connect, 16 MiB messages, compression
/// offered) and change what you need; [`Settings::connect_options`]
/// makes one from the settings.
///
/// [`Settings::connect_options`]: crate::Settings::connect_options
///
/// ```
/// use ws::{ConnectOptions, Connection, EchoServer};
///
/// let server = EchoServer::start()?;
/// let options = ConnectOptions { max_message_size: 4, ..ConnectOptions::default() };
/// let connection = Connection::open(&server.url(), &options)?;
/// assert_eq!(connection.send_text("four".into())?, 4);
/// let refused = connection.send_text("five!".into()).unwrap_err();
/// assert!(refused.to_string().contains("over max_message_size"));
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConnectOptions {
    /// Extra handshake headers, in order.
    pub headers: Vec<(String, String)>,
    /// Subprotocols to offer.
    pub subprotocols: Vec<String>,
    /// The `Origin` header.
    pub origin: Option<String>,
    /// `user:password` for basic authentication.
    pub auth: Option<String>,
    /// Skip TLS certificate verification.
    pub insecure: bool,
    /// Limit for TCP, TLS and the websocket handshake together.
    pub connect_timeout: Duration,
    /// Largest message accepted, in bytes.
    pub max_message_size: usize,
    /// HTTP proxy URL for CONNECT; `None` takes `https_proxy` (for
    /// `wss://`) or `http_proxy` (for `ws://`) from the environment unless
    /// `no_proxy` names the host or the host is this machine (`localhost`,
    /// 127.0.0.0/8, `::1`); `Some("")` uses no proxy at all.
    pub proxy: Option<String>,
    /// TLS files.
    pub tls: TlsFiles,
    /// Offer permessage-deflate.
    pub compression: bool,
    /// Send messages smaller than this many bytes uncompressed, even when
    /// compression was agreed (compressing a few bytes makes them longer).
    pub compression_threshold: usize,
    /// The largest window we compress with, 2^bits bytes (9 to 15).
    pub compression_window_bits: u8,
    /// zlib's memory level for our compressor (1 to 9).
    pub compression_mem_level: u8,
    /// The application protocol spoken over the connection, if any.
    pub protocol: Option<crate::protocol::Speaks>,
}

/// PEM files for TLS (`wss://`), read when a connection opens; a file
/// that cannot be read or used is an [`Error::Tls`](crate::Error::Tls)
/// that names it.
///
/// ```
/// use ws::{ConnectOptions, Connection, EchoServer, Error, TlsFiles};
///
/// let server = EchoServer::start()?;
/// let missing = std::env::temp_dir().join(format!("ws-doc-{}-none.pem", std::process::id()));
/// let tls = TlsFiles { ca_file: Some(missing), ..TlsFiles::default() };
/// let options = ConnectOptions { tls, ..ConnectOptions::default() };
/// let url = format!("wss://{}/", server.local_addr());
/// let Err(Error::Tls { message, .. }) = Connection::open(&url, &options) else { panic!("opened") };
/// assert!(message.contains("tls_ca_file"), "{message}");
/// # Ok::<(), ws::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TlsFiles {
    /// Extra trusted CAs.
    pub ca_file: Option<PathBuf>,
    /// Client certificate chain.
    pub certificate_file: Option<PathBuf>,
    /// Client private key.
    pub key_file: Option<PathBuf>,
    /// Password of an encrypted PKCS#8 key.
    pub password: Option<String>,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            headers: Vec::new(),
            subprotocols: Vec::new(),
            origin: None,
            auth: None,
            insecure: false,
            connect_timeout: Duration::from_secs(5),
            max_message_size: 16 * 1024 * 1024,
            proxy: None,
            tls: TlsFiles::default(),
            compression: true,
            compression_threshold: 1024,
            compression_window_bits: deflate::CLIENT_WINDOW_BITS,
            compression_mem_level: deflate::MEM_LEVEL,
            protocol: None,
        }
    }
}
