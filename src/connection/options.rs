//! Options for opening a client connection (SPEC §1 connection options).

use std::path::PathBuf;
use std::time::Duration;

/// How to open a client connection.
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
    /// HTTP proxy URL for CONNECT; `None` consults the environment.
    pub proxy: Option<String>,
    /// TLS files.
    pub tls: TlsFiles,
    /// Offer permessage-deflate.
    pub compression: bool,
}

/// PEM files for TLS.
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
        }
    }
}
