//! Validated settings (SPEC §6): every key with its default. Commands take a
//! [`Settings`], never clap structs.

use std::path::PathBuf;
use std::time::Duration;

use crate::connection::{ConnectOptions, TlsFiles};

/// The effective settings of one command.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// How long to wait for the TCP, TLS and websocket handshakes.
    pub connect_timeout: Duration,
    /// How long to wait for the peer's close frame after sending ours.
    pub disconnect_timeout: Duration,
    /// How long `recv`, `expect` and `ping` wait; `None` waits forever.
    pub response_timeout: Option<Duration>,
    /// How many received messages are kept for `recv`.
    pub message_queue_size: usize,
    /// The largest message accepted, in bytes.
    pub max_message_size: usize,
    /// Headers added to every handshake.
    pub extra_headers: Vec<(String, String)>,
    /// Width of transcripts in columns; `None` takes the terminal's or 100.
    pub terminal_width: Option<usize>,
    /// PEM file of extra trusted certificate authorities.
    pub tls_ca_file: Option<PathBuf>,
    /// PEM client certificate (chain).
    pub tls_certificate_file: Option<PathBuf>,
    /// PEM private key of the client certificate.
    pub tls_key_file: Option<PathBuf>,
    /// Password of an encrypted PKCS#8 key.
    pub tls_password: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            disconnect_timeout: Duration::from_secs(5),
            response_timeout: Some(Duration::from_secs(5)),
            message_queue_size: 10_000,
            max_message_size: 16 * 1024 * 1024,
            extra_headers: Vec::new(),
            terminal_width: None,
            tls_ca_file: None,
            tls_certificate_file: None,
            tls_key_file: None,
            tls_password: None,
        }
    }
}

impl Settings {
    /// Connection options carrying these settings (headers, timeouts, TLS files).
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            headers: self.extra_headers.clone(),
            connect_timeout: self.connect_timeout,
            max_message_size: self.max_message_size,
            tls: TlsFiles {
                ca_file: self.tls_ca_file.clone(),
                certificate_file: self.tls_certificate_file.clone(),
                key_file: self.tls_key_file.clone(),
                password: self.tls_password.clone(),
            },
            ..ConnectOptions::default()
        }
    }

    /// The transcript width: the setting, else the terminal's, else 100.
    pub fn width(&self) -> usize {
        self.terminal_width.unwrap_or(100)
    }
}

/// `ws config`: prints the effective settings and where each comes from.
pub fn show(_flags: &crate::cli::ConnectArgs) -> crate::Result<i32> {
    Err(crate::Error::Usage("this command is being built".into()))
}
