//! TLS for client connections, with rustls on the ring provider: the
//! system's trusted roots plus `tls_ca_file` (whose certificates are also
//! pinned: a server presenting one of them is trusted, self-signed or
//! not), a client certificate and key
//! in PEM (an encrypted PKCS#8 key is opened with `tls_password`), and
//! `--insecure`, which accepts any server certificate. Every failure names
//! the file and what is wrong with it. [`dial`](super::dial) uses the result.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use pkcs8::der::asn1::{AnyRef, GeneralizedTime, UtcTime};
use pkcs8::der::{Decode, Reader, SliceReader, Tag, Tagged};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::{PemObject, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::options::TlsFiles;
use crate::error::{Error, Result};

/// What `-k/--insecure` prints on standard error, once per command.
pub const INSECURE_WARNING: &str = "ws: warning: --insecure (-k) is on: the server's TLS certificate is not verified, so anyone between you and the server can read and change this connection.";

/// The client TLS configuration for `files`; `insecure` accepts any server certificate.
pub(crate) fn client_config(files: &TlsFiles, insecure: bool) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::tls(None, format!("cannot set up TLS: {e}")))?;
    let trust = if insecure {
        Some(Trust::Anything)
    } else if let Some(path) = files.ca_file.as_deref() {
        let pinned = certificates(path, "tls_ca_file")?;
        let roots = Arc::new(roots(Some((path, &pinned)))?);
        let web = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| Error::tls(None, format!("cannot set up TLS: {e}")))?;
        Some(Trust::Pinned { web, pinned })
    } else {
        None
    };
    let builder = match trust {
        Some(trust) => {
            let algorithms = provider.signature_verification_algorithms;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Verifier { trust, algorithms }))
        }
        None => builder.with_root_certificates(roots(None)?),
    };
    let Some((cert, key)) = identity_files(files)? else {
        return Ok(builder.with_no_client_auth());
    };
    let chain = certificates(cert, "tls_certificate_file")?;
    let private = private_key(key, files.password.as_deref())?;
    builder.with_client_auth_cert(chain, private).map_err(|e| {
        let problem = match e {
            rustls::Error::InconsistentKeys(_) => "they do not belong together".into(),
            other => other.to_string(),
        };
        Error::tls(
            None,
            format!(
                "the client certificate in {} cannot be used with the key in {}: {problem}",
                cert.display(),
                key.display(),
            ),
        )
    })
}

/// The system's roots (read once) plus `ca_file`'s certificates (its path
/// and what it holds).
fn roots(ca_file: Option<(&Path, &[CertificateDer<'static>])>) -> Result<RootCertStore> {
    static NATIVE: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    let native = NATIVE.get_or_init(|| rustls_native_certs::load_native_certs().certs);
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(native.iter().cloned());
    if let Some((path, certificates)) = ca_file {
        for (n, cert) in certificates.iter().enumerate() {
            store.add(cert.clone()).map_err(|e| {
                Error::tls(
                    None,
                    format!(
                        "certificate {} in tls_ca_file {} cannot be trusted as an authority: {e}",
                        n + 1,
                        path.display()
                    ),
                )
            })?;
        }
    }
    Ok(store)
}

fn read(path: &Path, key: &str) -> Result<Vec<u8>> {
    crate::bounded::read_config(path).map_err(|e| {
        Error::tls(
            None,
            format!(
                "cannot read {key} {}: {}",
                path.display(),
                crate::error::io_reason(&e)
            ),
        )
    })
}

/// Every PEM certificate in a file; none is an error.
fn certificates(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>> {
    let bytes = read(path, key)?;
    let certs: Vec<_> = CertificateDer::pem_slice_iter(&bytes)
        .filter_map(|cert| cert.ok())
        .collect();
    if certs.is_empty() {
        return Err(Error::tls(
            None,
            format!(
                "{key} {} has no certificate in it; it should hold PEM blocks that begin with -----BEGIN CERTIFICATE-----",
                path.display()
            ),
        ));
    }
    Ok(certs)
}

/// The client certificate and key files, when both are set.
fn identity_files(files: &TlsFiles) -> Result<Option<(&Path, &Path)>> {
    let (set, unset) = match (files.certificate_file.as_deref(), files.key_file.as_deref()) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => return Ok(Some((cert, key))),
        (Some(_), None) => ("tls_certificate_file", "tls_key_file"),
        (None, Some(_)) => ("tls_key_file", "tls_certificate_file"),
    };
    Err(Error::tls(
        None,
        format!("{set} is set but {unset} is not; set both to use a client certificate"),
    ))
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
        return Err(Error::tls(
            None,
            format!(
                "the key in tls_key_file {} is encrypted in the legacy OpenSSL format; convert it to PKCS#8 with: openssl pkcs8 -topk8 -in OLD -out NEW",
                path.display()
            ),
        ));
    }
    let key = <(SectionKind, Vec<u8>)>::pem_slice_iter(&bytes)
        .filter_map(|section| section.ok())
        .find_map(|(kind, der)| PrivateKeyDer::from_pem(kind, der));
    key.ok_or_else(|| not_a_key(path))
}

fn not_a_key(path: &Path) -> Error {
    Error::tls(
        None,
        format!(
            "tls_key_file {} has no private key in it; it should hold a PEM block that begins with -----BEGIN PRIVATE KEY----- (or RSA, EC or ENCRYPTED PRIVATE KEY)",
            path.display()
        ),
    )
}

fn encrypted_key(
    path: &Path,
    text: &str,
    password: Option<&str>,
) -> Result<PrivateKeyDer<'static>> {
    use pkcs8::EncryptedPrivateKeyInfoRef;
    let Some(password) = password else {
        return Err(Error::tls(
            None,
            format!(
                "the key in tls_key_file {} is encrypted; set tls_password (WS_TLS_PASSWORD) to its password",
                path.display()
            ),
        ));
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
        Error::tls(
            None,
            format!(
                "cannot decrypt the key in tls_key_file {}: the password (tls_password) is wrong",
                path.display()
            ),
        )
    })?;
    Ok(PrivatePkcs8KeyDer::from(plain.as_bytes().to_vec()).into())
}

/// A verifier of our own: the handshake signatures are always checked;
/// which server certificates are trusted depends on [`Trust`].
#[derive(Debug)]
struct Verifier {
    trust: Trust,
    algorithms: WebPkiSupportedAlgorithms,
}

/// Which server certificates a [`Verifier`] trusts.
#[derive(Debug)]
enum Trust {
    /// `--insecure`: any certificate (the connection still works).
    Anything,
    /// With `tls_ca_file`: the usual verification against the system's
    /// roots and the file's certificates, and besides, a server
    /// certificate that is itself one of the file's is trusted (pinned),
    /// as curl's `--cacert` does, even self-signed or marked CA. Only that
    /// certificate's chain is taken on trust: its names must still match
    /// the host and it must be within its validity period.
    Pinned {
        web: Arc<WebPkiServerVerifier>,
        pinned: Vec<CertificateDer<'static>>,
    },
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Trust::Pinned { web, pinned } = &self.trust else {
            return Ok(ServerCertVerified::assertion());
        };
        let verified =
            web.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let is_pinned = pinned.iter().any(|p| p.as_ref() == end_entity.as_ref());
        match verified {
            Err(_) if is_pinned => verify_pinned(end_entity, server_name, now),
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
    let certificate = AnyRef::from_der(cert).ok()?;
    let mut outer = SliceReader::new(certificate.value()).ok()?;
    let tbs: AnyRef<'_> = outer.decode().ok()?;
    let mut fields = SliceReader::new(tbs.value()).ok()?;
    let first: AnyRef<'_> = fields.decode().ok()?;
    // Before the validity: signature and issuer, and the serial too when
    // the first field was the version ([0]).
    let skip = 2 + usize::from(first.tag().is_context_specific());
    for _ in 0..skip {
        let _: AnyRef<'_> = fields.decode().ok()?;
    }
    let validity: AnyRef<'_> = fields.decode().ok()?;
    let mut times = SliceReader::new(validity.value()).ok()?;
    Some((time(times.decode().ok()?)?, time(times.decode().ok()?)?))
}

/// A UTCTime or GeneralizedTime in Unix seconds.
fn time(value: AnyRef<'_>) -> Option<u64> {
    let since = match value.tag() {
        Tag::UtcTime => value.decode_as::<UtcTime>().ok()?.to_unix_duration(),
        Tag::GeneralizedTime => value
            .decode_as::<GeneralizedTime>()
            .ok()?
            .to_unix_duration(),
        _ => return None,
    };
    Some(since.as_secs())
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
    use super::validity;

    #[test]
    fn the_validity_of_a_certificate_in_unix_seconds() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["example.com".into()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2000, 2, 29);
        params.not_after = rcgen::date_time_ymd(2051, 1, 1);
        let cert = params.self_signed(&key).unwrap();
        // 2000-02-29 as UTCTime, 2051-01-01 as GeneralizedTime.
        assert_eq!(validity(cert.der()), Some((951_782_400, 2_556_144_000)));
        assert_eq!(validity(&cert.der()[..40]), None);
        assert_eq!(validity(b""), None);
    }
}
