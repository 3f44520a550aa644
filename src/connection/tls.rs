//! TLS for client connections, with rustls on the ring provider: the
//! system's trusted roots plus `tls_ca_file` (whose certificates are also
//! pinned: a server presenting one of them is trusted, self-signed or
//! not), a client certificate and key
//! in PEM (an encrypted PKCS#8 key is opened with `tls_password`), and
//! `--insecure`, which accepts any server certificate. Every failure names
//! the file and what is wrong with it. [`dial`](super::dial) uses the result.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::{PemObject, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::TlsFiles;
use crate::error::{Error, Result};

/// What `-k/--insecure` prints on standard error, once per command.
pub const INSECURE_WARNING: &str = "ws: warning: --insecure (-k) is on: the server's TLS certificate is not verified, so anyone between you and the server can read and change this connection.";

/// The client TLS configuration for `files`; `insecure` accepts any server certificate.
pub(crate) fn client_config(files: &TlsFiles, insecure: bool) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(format!("cannot set up TLS: {e}")))?;
    let builder = if insecure {
        let verifier = AcceptAnything(provider.signature_verification_algorithms);
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    } else if let Some(path) = files.ca_file.as_deref() {
        let pinned = certificates(path, "tls_ca_file")?;
        let roots = Arc::new(roots(Some(path))?);
        let web = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| Error::Tls(format!("cannot set up TLS: {e}")))?;
        let verifier = Pinning {
            web,
            pinned,
            algorithms: provider.signature_verification_algorithms,
        };
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
    } else {
        builder.with_root_certificates(roots(None)?)
    };
    match identity(files)? {
        None => Ok(builder.with_no_client_auth()),
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).map_err(|e| {
            Error::Tls(format!(
                "the client certificate in {} cannot be used with the key in {}: {}",
                show(files.certificate_file.as_deref()),
                show(files.key_file.as_deref()),
                key_problem(&e)
            ))
        }),
    }
}

fn show(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| p.display().to_string())
}

fn key_problem(error: &rustls::Error) -> String {
    match error {
        rustls::Error::InconsistentKeys(_) => "they do not belong together".into(),
        other => format!("{other}"),
    }
}

/// The system's roots (read once) plus the certificates of `ca_file`.
fn roots(ca_file: Option<&Path>) -> Result<RootCertStore> {
    static NATIVE: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    let native = NATIVE.get_or_init(|| rustls_native_certs::load_native_certs().certs);
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(native.iter().cloned());
    if let Some(path) = ca_file {
        for (n, cert) in certificates(path, "tls_ca_file")?.into_iter().enumerate() {
            store.add(cert).map_err(|e| {
                Error::Tls(format!(
                    "certificate {} in tls_ca_file {} cannot be trusted as an authority: {e}",
                    n + 1,
                    path.display()
                ))
            })?;
        }
    }
    Ok(store)
}

fn read(path: &Path, key: &str) -> Result<Vec<u8>> {
    crate::bounded::read_config(path).map_err(|e| {
        Error::Tls(format!(
            "cannot read {key} {}: {}",
            path.display(),
            crate::error::io_reason(&e)
        ))
    })
}

/// Every PEM certificate in a file; none is an error.
fn certificates(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read(path, key)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(|cert| cert.ok())
        .collect();
    if certs.is_empty() {
        return Err(Error::Tls(format!(
            "{key} {} has no certificate in it; it should hold PEM blocks that begin with -----BEGIN CERTIFICATE-----",
            path.display()
        )));
    }
    Ok(certs)
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// The client certificate chain and key, when both files are set.
fn identity(files: &TlsFiles) -> Result<Option<Identity>> {
    match (&files.certificate_file, &files.key_file) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::Tls(
            "tls_certificate_file is set but tls_key_file is not; set both to use a client certificate".into(),
        )),
        (None, Some(_)) => Err(Error::Tls(
            "tls_key_file is set but tls_certificate_file is not; set both to use a client certificate".into(),
        )),
        (Some(cert), Some(key)) => {
            let chain = certificates(cert, "tls_certificate_file")?;
            let key = private_key(key, files.password.as_deref())?;
            Ok(Some((chain, key)))
        }
    }
}

/// The private key of a PEM file: PKCS#8, PKCS#1 (RSA), SEC1 (EC) or
/// encrypted PKCS#8 opened with `password`.
pub(crate) fn private_key(path: &Path, password: Option<&str>) -> Result<PrivateKeyDer<'static>> {
    let bytes = read(path, "tls_key_file")?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        return encrypted_key(path, &text, password);
    }
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err(Error::Tls(format!(
            "the key in tls_key_file {} is encrypted in the legacy OpenSSL format; convert it to PKCS#8 with: openssl pkcs8 -topk8 -in OLD -out NEW",
            path.display()
        )));
    }
    let key = <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes)
        .filter_map(|section| section.ok())
        .find_map(|(kind, der)| PrivateKeyDer::from_pem(kind, der));
    key.ok_or_else(|| not_a_key(path))
}

fn not_a_key(path: &Path) -> Error {
    Error::Tls(format!(
        "tls_key_file {} has no private key in it; it should hold a PEM block that begins with -----BEGIN PRIVATE KEY----- (or RSA, EC or ENCRYPTED PRIVATE KEY)",
        path.display()
    ))
}

fn encrypted_key(
    path: &Path,
    text: &str,
    password: Option<&str>,
) -> Result<PrivateKeyDer<'static>> {
    use pkcs8::EncryptedPrivateKeyInfoRef;
    let Some(password) = password else {
        return Err(Error::Tls(format!(
            "the key in tls_key_file {} is encrypted; set tls_password (WS_TLS_PASSWORD) to its password",
            path.display()
        )));
    };
    let (begin, end) = (
        "-----BEGIN ENCRYPTED PRIVATE KEY-----",
        "-----END ENCRYPTED PRIVATE KEY-----",
    );
    let start = text.find(begin).unwrap_or(0);
    let stop = text[start..]
        .find(end)
        .map_or(text.len(), |i| start + i + end.len());
    let (_, der) =
        pkcs8::der::pem::decode_vec(&text.as_bytes()[start..stop]).map_err(|_| not_a_key(path))?;
    let info = EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).map_err(|_| not_a_key(path))?;
    let plain = info.decrypt(password).map_err(|_| {
        Error::Tls(format!(
            "cannot decrypt the key in tls_key_file {}: the password (tls_password) is wrong",
            path.display()
        ))
    })?;
    Ok(PrivatePkcs8KeyDer::from(plain.as_bytes().to_vec()).into())
}

/// The `--insecure` verifier: any certificate is accepted, but the
/// handshake signatures are still checked so the connection works.
#[derive(Debug)]
struct AcceptAnything(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnything {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// The verifier with `tls_ca_file`: the usual verification against the
/// system's roots and the file's certificates, and besides, a server
/// certificate that is itself one of the file's is trusted (pinned), as
/// curl's `--cacert` does, even self-signed or marked CA. Only that
/// certificate's chain is taken on trust: its names must still match the
/// host, it must be within its validity period, and the handshake
/// signatures are checked as always.
#[derive(Debug)]
struct Pinning {
    web: Arc<WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Pinning {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified =
            self.web
                .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let pinned = self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref());
        match verified {
            Err(_) if pinned => verify_pinned(end_entity, server_name, now),
            verified => verified,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A pinned certificate: right for the host's name and within its dates.
fn verify_pinned(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    use rustls::CertificateError as Cert;
    let bad = |e: Cert| rustls::Error::InvalidCertificate(e);
    let parsed = webpki::EndEntityCert::try_from(cert).map_err(|_| bad(Cert::BadEncoding))?;
    parsed
        .verify_is_valid_for_subject_name(server_name)
        .map_err(|_| bad(Cert::NotValidForName))?;
    let (not_before, not_after) = validity(cert).ok_or(bad(Cert::BadEncoding))?;
    let now = now.as_secs();
    if now > not_after {
        return Err(bad(Cert::Expired));
    }
    if now < not_before {
        return Err(bad(Cert::NotValidYet));
    }
    Ok(ServerCertVerified::assertion())
}

/// A certificate's validity period (notBefore, notAfter) in Unix seconds,
/// read from its DER: Certificate → tbsCertificate → [version], serial,
/// signature, issuer, validity.
fn validity(cert: &[u8]) -> Option<(u64, u64)> {
    let (_, certificate, _) = der(cert)?;
    let (_, mut tbs, _) = der(certificate)?;
    if tbs.first() == Some(&0xa0) {
        tbs = der(tbs)?.2;
    }
    for _ in 0..3 {
        tbs = der(tbs)?.2; // serial, signature, issuer
    }
    let (_, validity, _) = der(tbs)?;
    let (before_tag, before, rest) = der(validity)?;
    let (after_tag, after, _) = der(rest)?;
    Some((time(before_tag, before)?, time(after_tag, after)?))
}

/// One DER element: its tag, its content and what follows it.
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let bytes = usize::from(first & 0x7f);
        if bytes == 0 || bytes > 4 || rest.len() < bytes {
            return None;
        }
        let (length, after) = rest.split_at(bytes);
        rest = after;
        length.iter().fold(0, |n, &b| (n << 8) | usize::from(b))
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

/// A UTCTime (`YYMMDDHHMMSSZ`, tag 0x17) or GeneralizedTime
/// (`YYYYMMDDHHMMSSZ`, tag 0x18) in Unix seconds.
fn time(tag: u8, text: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, rest) = match (tag, text.len()) {
        (0x17, 12) => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &text[2..])
        }
        (0x18, 14) => (text.get(..4)?.parse().ok()?, &text[4..]),
        _ => return None,
    };
    let field = |i: usize| -> Option<i64> { rest.get(i..i + 2)?.parse().ok() };
    let (month, day) = (field(0)?, field(2)?);
    let (hour, minute, second) = (field(4)?, field(6)?, field(8)?);
    // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hour * 3600 + minute * 60 + second).ok()
}

/// A TLS failure during the handshake as one sentence with the fix.
pub(crate) fn describe(error: &rustls::Error, host: &str) -> String {
    use rustls::{AlertDescription as Alert, CertificateError as Cert, Error as E};
    match error {
        E::InvalidCertificate(Cert::UnknownIssuer) => format!(
            "the certificate of {host} is not signed by an authority this machine trusts; set tls_ca_file to the CA that signed it (or to the server's own certificate, to pin it), or use -k to skip verification"
        ),
        E::InvalidCertificate(Cert::NotValidForName | Cert::NotValidForNameContext { .. }) => {
            format!(
                "the certificate of {host} is for another host name; connect by the name it was issued for, or use -k"
            )
        }
        E::InvalidCertificate(Cert::Expired | Cert::ExpiredContext { .. }) => {
            format!("the certificate of {host} has expired; renew it on the server, or use -k")
        }
        E::InvalidCertificate(Cert::Other(other))
            if format!("{other:?}").contains("CaUsedAsEndEntity") =>
        {
            format!(
                "the certificate of {host} is a CA certificate (CA:TRUE, as `openssl req -x509` makes) used as the server's own, which TLS refuses unless it is pinned: set tls_ca_file to that certificate, or use -k to skip verification"
            )
        }
        E::InvalidMessage(_) => format!(
            "{host} did not answer in TLS: it seems to be a plain port; use ws:// instead of wss://"
        ),
        E::InvalidCertificate(other) => {
            format!(
                "the certificate of {host} is not acceptable ({other}); use -k to skip verification"
            )
        }
        E::AlertReceived(Alert::CertificateRequired | Alert::HandshakeFailure) => {
            format!(
                "{host} ended the TLS handshake ({error}); if it asks for a client certificate, set tls_certificate_file and tls_key_file"
            )
        }
        E::AlertReceived(Alert::UnknownCA | Alert::BadCertificate | Alert::DecryptError) => {
            format!(
                "{host} did not accept the client certificate ({error}); check tls_certificate_file and tls_key_file"
            )
        }
        other => format!("the TLS handshake with {host} failed: {other}"),
    }
}

/// The rustls error inside an I/O error, if there is one.
pub(crate) fn inner_error(error: &std::io::Error) -> Option<&rustls::Error> {
    error.get_ref()?.downcast_ref::<rustls::Error>()
}

#[cfg(test)]
mod tests {
    use super::{der, time};

    #[test]
    fn certificate_times_in_unix_seconds() {
        assert_eq!(time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(time(0x18, b"20380119031408Z"), Some(2_147_483_648));
        assert_eq!(time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(time(0x17, b"000229120000Z"), Some(951_825_600));
        for bad in [&b"700101000000"[..], b"7001010000Z", b"", b"aa0101000000Z"] {
            assert_eq!(time(0x17, bad), None, "{bad:?}");
        }
    }

    #[test]
    fn der_lengths_stay_within_the_input() {
        assert_eq!(
            der(&[0x30, 0x01, 0xff, 0x02]),
            Some((0x30, &[0xff][..], &[0x02][..]))
        );
        assert_eq!(
            der(&[0x30, 0x82, 0x00, 0x01, 0xaa]),
            Some((0x30, &[0xaa][..], &[][..]))
        );
        for bad in [
            &[0x30][..],
            &[0x30, 0x02, 0x00],
            &[0x30, 0x80],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
        ] {
            assert_eq!(der(bad), None, "{bad:?}");
        }
    }
}
