//! wss through the real binary against a TLS server in the test that
//! requires a client certificate, all made with rcgen: the right CA, a
//! wrong CA, `-k`, an encrypted key with the right and the wrong password,
//! and files that are missing or hold the wrong thing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use futures_util::StreamExt;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::connect::assert_status;
use crate::support::server::spawn_server;
use crate::support::{home, ws_cmd};

/// A certificate authority that can sign leaf certificates.
struct Authority {
    pem: String,
    der: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

fn authority(name: &str) -> Authority {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params.self_signed(&key).unwrap();
    Authority {
        pem: cert.pem(),
        der: cert.der().clone(),
        issuer: Issuer::new(params, key),
    }
}

/// A certificate signed by `ca` and its key.
fn leaf(ca: &Authority, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, KeyPair) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "ws test");
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &ca.issuer).unwrap();
    (cert.pem(), key)
}

/// The files of a test: the CA, another CA, a client certificate and key.
struct Files {
    ca: PathBuf,
    other_ca: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    client_key_der: Vec<u8>,
}

/// A wss server that requires a client certificate signed by its CA.
fn start(dir: &Path) -> (SocketAddr, Files) {
    let (ca, other) = (authority("ws test CA"), authority("another CA"));
    let (server_pem, server_key) = leaf(
        &ca,
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_pem, client_key) = leaf(&ca, &["client"], ExtendedKeyUsagePurpose::ClientAuth);
    let files = Files {
        ca: write(dir, "ca.pem", &ca.pem),
        other_ca: write(dir, "other-ca.pem", &other.pem),
        client_cert: write(dir, "client.pem", &client_pem),
        client_key: write(dir, "client.key", &client_key.serialize_pem()),
        client_key_der: client_key.serialize_der(),
    };
    let server_der = CertificateDer::pem_slice_iter(server_pem.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let config = server_config(ca.der.clone(), server_der, key);
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let address = spawn_server(move |stream| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            if let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await {
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
    });
    (address, files)
}

fn server_config(
    ca: CertificateDer<'static>,
    cert: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
) -> ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    roots.add(ca).unwrap();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(vec![cert], key)
        .unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `ws run` of a script printing the URL on `wss://address/`, with settings
/// from the environment and extra flags.
fn run(home: &Path, address: SocketAddr, env: &[(&str, &Path)], flags: &[&str]) -> Output {
    let script = write(home, "url.rhai", "print(url());\n");
    let mut command = ws_cmd(home);
    command
        .arg("run")
        .arg(script)
        .arg(format!("wss://{address}/"))
        .args(flags);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn client_env(files: &Files) -> Vec<(&'static str, &Path)> {
    vec![
        ("WS_TLS_CA_FILE", files.ca.as_path()),
        ("WS_TLS_CERTIFICATE_FILE", files.client_cert.as_path()),
        ("WS_TLS_KEY_FILE", files.client_key.as_path()),
    ]
}

#[test]
fn the_right_ca_and_a_client_certificate_connect() {
    let home = home();
    let (address, files) = start(home.path());
    let output = run(home.path(), address, &client_env(&files), &[]);
    assert_status(&output, 0);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(&format!("wss://{address}/")), "{stdout}");
}

#[test]
fn a_wrong_ca_is_one_clean_sentence() {
    let home = home();
    let (address, files) = start(home.path());
    let mut env = client_env(&files);
    env[0].1 = &files.other_ca;
    let stderr = assert_status(&run(home.path(), address, &env, &[]), 1);
    assert!(
        stderr.contains("not signed by an authority this machine trusts"),
        "{stderr}"
    );
    assert!(stderr.contains("tls_ca_file"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn insecure_connects_without_the_ca_and_warns() {
    let home = home();
    let (address, files) = start(home.path());
    let env = &client_env(&files)[1..];
    let stderr = assert_status(&run(home.path(), address, env, &["-k"]), 0);
    assert_eq!(
        stderr.trim(),
        "ws: warning: --insecure (-k) is on: the server's TLS certificate is not verified, so anyone \
         between you and the server can read and change this connection."
    );
}

#[test]
fn without_a_client_certificate_the_error_says_which_settings_to_set() {
    let home = home();
    let (address, files) = start(home.path());
    let env = &client_env(&files)[..1];
    let stderr = assert_status(&run(home.path(), address, env, &[]), 1);
    assert!(stderr.contains("tls_certificate_file"), "{stderr}");
}

fn encrypted_key(dir: &Path, der: &[u8], password: &str) -> PathBuf {
    use pkcs8::pkcs5::pbes2::Parameters;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der).unwrap();
    let params = Parameters::generate_pbkdf2_sha256_aes256cbc(1000, b"0123456789abcdef", [7; 16]);
    let encrypted = info.encrypt_with_params(params.unwrap(), password).unwrap();
    let pem = encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
        .unwrap();
    write(dir, "encrypted.key", &pem)
}

#[test]
fn an_encrypted_key_opens_with_the_right_password_only() {
    let home = home();
    let (address, files) = start(home.path());
    let key = encrypted_key(home.path(), &files.client_key_der, "hunter2");
    let mut env = client_env(&files);
    env[2].1 = &key;
    let (right, wrong) = (Path::new("hunter2"), Path::new("hunter3"));
    let with = |password: &Path| {
        let mut env = env.clone();
        env.push(("WS_TLS_PASSWORD", password));
        run(home.path(), address, &env, &[])
    };
    assert_status(&with(right), 0);
    let stderr = assert_status(&with(wrong), 1);
    assert!(
        stderr.contains("the password (tls_password) is wrong"),
        "{stderr}"
    );
    assert!(stderr.contains("encrypted.key"), "{stderr}");
    let stderr = assert_status(&run(home.path(), address, &env, &[]), 1);
    assert!(
        stderr.contains("is encrypted; set tls_password"),
        "{stderr}"
    );
}

#[test]
fn file_problems_name_the_file_and_the_problem() {
    let home = home();
    let (address, files) = start(home.path());
    let missing = home.path().join("missing.pem");
    let cases: [(usize, &Path, &str); 3] = [
        (0, &missing, "cannot read tls_ca_file"),
        (0, &files.client_key, "has no certificate in it"),
        (2, &files.client_cert, "has no private key in it"),
    ];
    for (slot, path, problem) in cases {
        let mut env = client_env(&files);
        env[slot].1 = path;
        let stderr = assert_status(&run(home.path(), address, &env, &[]), 1);
        assert!(stderr.contains(problem), "{problem} not in: {stderr}");
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    }
}

#[test]
fn the_wrong_scheme_for_the_port_says_which_to_use() {
    let (dir, home) = (tempfile::tempdir().unwrap(), home());
    let (tls_address, _files) = start(dir.path());
    let plain = crate::support::server::TestServer::silent().allow_unused();
    for (url, want) in [
        (
            format!("ws://{tls_address}/"),
            "if it is a TLS port, use wss://",
        ),
        (format!("wss://{}/", plain.address), "use ws://"),
    ] {
        let out = ws_cmd(home.path())
            .args(["text", &url, "x", "--connect-timeout", "5"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_status(&out, 1);
        assert!(err.contains(want), "{url}: {err}");
        assert!(
            !err.contains("httparse") && !err.contains("tls handshake eof"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

/// A wss server whose certificate is self-signed (made by `shape` from
/// plain parameters for 127.0.0.1); the certificate's PEM.
fn self_signed_server(shape: impl FnOnce(&mut CertificateParams)) -> (SocketAddr, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    shape(&mut params);
    let cert = params.self_signed(&key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let address = spawn_server(move |stream| {
        let acceptor = acceptor.clone();
        async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            if let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await {
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
    });
    (address, cert.pem())
}

#[test]
fn a_self_signed_server_certificate_in_tls_ca_file_is_pinned() {
    let (dir, home) = (tempfile::tempdir().unwrap(), home());
    // What `openssl req -x509` makes (CA:TRUE), and a plain leaf.
    let shapes: [fn(&mut CertificateParams); 2] = [
        |p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained),
        |_| {},
    ];
    for shape in shapes {
        let (address, pem) = self_signed_server(shape);
        let pinned = write(dir.path(), "pinned.pem", &pem);
        let out = run(home.path(), address, &[("WS_TLS_CA_FILE", &pinned)], &[]);
        assert_status(&out, 0);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.trim(), format!("wss://{address}/"));
        // Without it, the certificate is refused.
        let out = run(home.path(), address, &[], &[]);
        assert_status(&out, 1);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("tls_ca_file"), "{err}");
    }
}

#[test]
fn a_pinned_certificate_still_needs_the_right_name_and_dates() {
    let (dir, home) = (tempfile::tempdir().unwrap(), home());
    let (address, pem) = self_signed_server(|p| {
        p.subject_alt_names = vec![rcgen::SanType::DnsName("example.com".try_into().unwrap())];
    });
    let pinned = write(dir.path(), "other-name.pem", &pem);
    let out = run(home.path(), address, &[("WS_TLS_CA_FILE", &pinned)], &[]);
    assert_status(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is for another host name"), "{err}");

    let (address, pem) = self_signed_server(|p| {
        p.not_before = rcgen::date_time_ymd(2000, 1, 1);
        p.not_after = rcgen::date_time_ymd(2001, 1, 1);
    });
    let pinned = write(dir.path(), "expired.pem", &pem);
    let out = run(home.path(), address, &[("WS_TLS_CA_FILE", &pinned)], &[]);
    assert_status(&out, 1);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has expired"), "{err}");
}
