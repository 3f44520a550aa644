//! The TCP stream to a server ([`open`]): directly, or through an HTTP
//! proxy: `--proxy URL`, else `https_proxy` (for wss) or `http_proxy` (for
//! ws) from the environment, either case, unless `no_proxy` names the
//! host. The tunnel is an HTTP CONNECT on a TCP stream of our own;
//! [`dial`](super::dial) runs TLS and the websocket handshake through it.
//! `--proxy ''` turns the environment's proxy off.

use base64::Engine as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::error::{Error, Result};

/// An HTTP proxy and where it was configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Proxy {
    /// Host name or address (IPv6 without brackets).
    pub host: String,
    /// Port (default 80).
    pub port: u16,
    /// `Proxy-Authorization` value, from `user:password@` in the URL.
    pub authorization: Option<String>,
    /// `--proxy` or the environment variable's name.
    pub source: String,
}

impl Proxy {
    /// `host:port` as written in a URL.
    pub fn address(&self) -> String {
        authority(&self.host, self.port)
    }
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Parses `http://[user:password@]host[:port][/]` (the scheme may be left out).
pub(crate) fn parse(url: &str, source: &str) -> Result<Proxy> {
    let bad = |why: &str| {
        Error::Settings(format!(
            "the proxy {:?} ({source}) is not usable: {why}; use http://host:port",
            super::redact::url(url)
        ))
    };
    let rest = match url.trim().split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
        Some((scheme, _)) => return Err(bad(&format!("{scheme} proxies are not supported"))),
        None => url.trim(),
    };
    let rest = rest.trim_end_matches('/');
    let (userinfo, host_port) = match rest.rsplit_once('@') {
        Some((user, hp)) => (Some(user), hp),
        None => (None, rest),
    };
    let (host, port) = super::url::checked_host_and_port(host_port)
        .ok_or_else(|| bad("the host or port is wrong"))?;
    let authorization = userinfo.map(|user| {
        let user: Vec<u8> = percent_encoding::percent_decode_str(user).collect();
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user)
        )
    });
    Ok(Proxy {
        host: host.to_string(),
        port: port.unwrap_or(80),
        authorization,
        source: source.to_string(),
    })
}

/// The proxy for a connection to `host`: the flag, else the environment
/// (looked up through `var`), unless `no_proxy` names the host or the host
/// is this machine (`localhost`, 127.0.0.0/8, `::1`), which an environment
/// proxy is never asked to reach (as Go's net/http does).
pub(crate) fn choose(
    flag: Option<&str>,
    host: &str,
    tls: bool,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>> {
    if let Some(url) = flag {
        return match url.trim() {
            "" => Ok(None),
            url => parse(url, "--proxy").map(Some),
        };
    }
    if is_loopback(host) {
        return Ok(None);
    }
    let name = if tls { "https_proxy" } else { "http_proxy" };
    let found = [name.to_string(), name.to_ascii_uppercase()]
        .into_iter()
        .find_map(|name| {
            var(&name)
                .filter(|v| !v.trim().is_empty())
                .map(|v| (name, v))
        });
    let Some((name, url)) = found else {
        return Ok(None);
    };
    let no_proxy = var("no_proxy")
        .or_else(|| var("NO_PROXY"))
        .unwrap_or_default();
    if bypassed(host, &no_proxy) {
        return Ok(None);
    }
    parse(&url, &format!("env {name}")).map(Some)
}

/// Whether `host` names this machine.
fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether `no_proxy` (comma-separated names, `.domain` suffixes or `*`)
/// names `host`.
pub(crate) fn bypassed(host: &str, no_proxy: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry.to_ascii_lowercase();
        let entry = match entry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None if entry.matches(':').count() == 1 => entry.split(':').next().unwrap_or_default(),
            None => &entry,
        };
        let domain = entry.trim_start_matches('.');
        entry == "*"
            || (!domain.is_empty() && (host == domain || host.ends_with(&format!(".{domain}"))))
    })
}

/// A TCP stream to `host:port`: through `proxy`'s tunnel when there is
/// one, else directly.
pub(crate) async fn open(proxy: Option<&Proxy>, host: &str, port: u16) -> Result<TcpStream> {
    match proxy {
        Some(proxy) => tunnel(proxy, host, port).await,
        None => tcp(host, port, None).await,
    }
}

/// A TCP connection to `host:port`, trying each of its addresses; `via`
/// names the proxy when `host` is one.
async fn tcp(host: &str, port: u16, via: Option<&Proxy>) -> Result<TcpStream> {
    let what = match via {
        Some(proxy) => format!("the proxy {} ({})", authority(host, port), proxy.source),
        None => authority(host, port),
    };
    let addresses = tokio::net::lookup_host((host, port)).await.map_err(|_| {
        Error::Connect(format!(
            "could not connect to {what}: the host name {host} is unknown; check its spelling and the network"
        ))
    })?;
    let mut last = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    let reason = match &last {
        Some(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            let what = if via.is_some() { "proxy" } else { "server" };
            format!("connection refused; is the {what} running and the port right?")
        }
        Some(e) => crate::error::io_reason(e),
        None => "the host name has no address".to_string(),
    };
    Err(Error::Connect(format!(
        "could not connect to {what}: {reason}"
    )))
}

/// Opens a TCP stream to the proxy and a CONNECT tunnel to `host:port`.
async fn tunnel(proxy: &Proxy, host: &str, port: u16) -> Result<TcpStream> {
    let mut stream = tcp(&proxy.host, proxy.port, Some(proxy)).await?;
    let target = authority(host, port);
    let mut request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
    if let Some(authorization) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    let broken = |e: std::io::Error| {
        Error::Connect(format!(
            "the proxy {} ({}) broke the connection: {}",
            proxy.address(),
            proxy.source,
            crate::error::io_reason(&e)
        ))
    };
    stream.write_all(request.as_bytes()).await.map_err(broken)?;
    let status = read_head(&mut stream).await.map_err(broken)?;
    check_status(proxy, &target, &status)?;
    Ok(stream)
}

/// Reads the response head up to its blank line, byte by byte so that
/// nothing of the tunnelled stream is taken; returns the status line.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") && !head.ends_with(b"\n\n") {
        if head.len() > 16 * 1024 {
            return Err(std::io::Error::other("its answer to CONNECT is too long"));
        }
        let byte = stream.read_u8().await?;
        head.push(byte);
    }
    let head = String::from_utf8_lossy(&head);
    Ok(head.lines().next().unwrap_or_default().trim().to_string())
}

fn check_status(proxy: &Proxy, target: &str, status: &str) -> Result<()> {
    let mut words = status.split_whitespace();
    let code = match (words.next(), words.next()) {
        (Some(version), Some(code)) if version.starts_with("HTTP/") => code.parse::<u16>().ok(),
        _ => None,
    };
    let hint = match code {
        Some(200..=299) => return Ok(()),
        Some(407) => {
            "it wants credentials: put them in the proxy URL as http://user:password@host:port"
        }
        _ => "check the proxy URL, or turn the proxy off with --proxy ''",
    };
    let status = if status.is_empty() {
        "no answer"
    } else {
        status
    };
    Err(Error::Connect(format!(
        "the proxy {} ({}) refused to open a tunnel to {target}: {status}; {hint}",
        proxy.address(),
        proxy.source
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        let proxy = parse("http://u:p%40ss@proxy.example:3128/", "--proxy").unwrap();
        assert_eq!((proxy.host.as_str(), proxy.port), ("proxy.example", 3128));
        assert_eq!(proxy.authorization.as_deref(), Some("Basic dTpwQHNz"));
        assert_eq!(parse("10.0.0.1", "x").unwrap().port, 80);
        assert_eq!(
            parse("http://[::1]:8080", "x").unwrap().address(),
            "[::1]:8080"
        );
        for bad in [
            "https://p:1",
            "socks5://p:1",
            "http://",
            "http://p:0",
            "p:99999",
        ] {
            assert!(parse(bad, "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn no_proxy_entries() {
        assert!(bypassed("example.com", "example.com"));
        assert!(bypassed("a.example.com", ".example.com"));
        assert!(bypassed("a.example.com", "other, example.com:443"));
        assert!(bypassed("anything", "*"));
        assert!(bypassed("::1", "::1"));
        assert!(!bypassed("notexample.com", "example.com"));
        assert!(!bypassed("example.com", ""));
    }

    #[test]
    fn the_flag_wins_and_the_scheme_picks_the_variable() {
        let env = |name: &str| match name {
            "https_proxy" => Some("http://secure:1".to_string()),
            "HTTP_PROXY" => Some("http://plain:2".to_string()),
            "no_proxy" => Some("skipped.example".to_string()),
            _ => None,
        };
        let flag = Some("http://f:3");
        let cases = [
            (None, "h", true, Some("secure")),
            (None, "h", false, Some("plain")),
            (None, "skipped.example", true, None),
            (None, "localhost", true, None),
            (None, "127.0.0.1", true, None),
            (None, "127.1.2.3", true, None),
            (None, "[::1]", true, None),
            (None, "::1", true, None),
            (flag, "127.0.0.1", true, Some("f")),
            (flag, "skipped.example", true, Some("f")),
            (Some(""), "h", true, None),
        ];
        for (flag, target, tls, want) in cases {
            let chosen = choose(flag, target, tls, &env).unwrap();
            assert_eq!(chosen.map(|p| p.host).as_deref(), want, "{flag:?} {target}");
        }
    }
}
