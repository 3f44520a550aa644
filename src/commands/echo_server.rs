//! `ws echo-server`: an echo server until Ctrl+C or SIGTERM (status 0).
//! The settings `connect_timeout` and `send_timeout` bound how long a
//! client may take for its handshake and for taking its echoes;
//! `compression_threshold` is the size from which echoes are compressed.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::cli::EchoServerArgs;
use crate::error::{Error, Result};
use crate::server::{Server, ServerOptions};

pub(crate) fn run(args: EchoServerArgs) -> Result<i32> {
    // A client gets connect_timeout for its handshake and send_timeout
    // for taking its echoes, as a client of ours would.
    let settings = crate::settings::load(&crate::settings::Flags::default())?.settings;
    let mut options = ServerOptions {
        handshake_timeout: settings.connect_timeout,
        send_timeout: settings.send_timeout,
        compression_threshold: settings.compression_threshold,
        compression_window_bits: settings
            .window_bits()
            .unwrap_or(crate::connection::deflate::SERVER_WINDOW_BITS),
        compression_mem_level: settings.mem_level(),
        ..ServerOptions::default()
    };
    if let Some(size) = &args.max_message_size {
        options.max_message_size = crate::settings::parse_size(size).ok_or_else(|| {
            Error::Usage(format!(
                "--max-message-size {size} is not a size; use 1 byte to 4G, with an optional suffix K, M or G (like 64K or 16M)"
            ))
        })?;
    }
    options.compression = !args.no_compression;
    if let Some(interval) = args.ping_interval {
        let interval = super::seconds("--ping-interval", interval)?;
        let timeout = args
            .ping_timeout
            .map(|t| super::seconds("--ping-timeout", t));
        options.keepalive = Some(crate::connection::KeepaliveSettings {
            interval,
            timeout: timeout.transpose()?.unwrap_or(interval),
        });
    }
    if let (Some(cert), Some(key)) = (&args.cert_file, &args.key_file) {
        options.tls = Some(tls_config(cert, key)?);
    }
    let host = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]", args.host)
    } else {
        args.host.clone()
    };
    // The acceptor and the signal handlers run here; the connections on
    // worker threads of their own (see Server::run).
    let acceptor = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the server's runtime", e))?;
    acceptor.block_on(async {
        // Handlers first: a signal right after the first line must stop us cleanly.
        let stop = crate::signals::stop()
            .map_err(|e| Error::io("cannot install the signal handlers", e))?;
        let server = Server::bind(&format!("{host}:{}", args.port), options)?;
        let address = server.local_addr();
        let mut out = std::io::stdout();
        let _ = writeln!(out, "Running server on {}:{}", args.host, address.port());
        let _ = out.flush();
        server.run(crate::server::default_workers(), stop).await
    })?;
    Ok(0)
}

fn tls_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let read =
        |path: &Path| crate::bounded::read_config(path).map_err(|e| Error::file("read", path, e));
    let refused = |why: String| Error::tls(None, why);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&read(cert)?)
        .collect::<Result<_, _>>()
        .map_err(|_| refused(format!("{} is not a PEM certificate file", cert.display())))?;
    if certs.is_empty() {
        return Err(refused(format!("{} holds no certificate", cert.display())));
    }
    let key = PrivateKeyDer::from_pem_slice(&read(key)?)
        .map_err(|_| refused(format!("{} holds no PEM private key", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| refused(format!("cannot set up TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| refused(format!("the certificate and key do not work together: {e}")))?;
    Ok(Arc::new(config))
}
