//! Websocket URLs as users type them: `ws://…`, `wss://…`,
//! `:8000` for `ws://localhost:8000/`, and `host:port/path` for `ws://…`.

use std::num::NonZeroU16;

use crate::error::{Error, Result};

/// Normalises a user's URL to `ws[s]://host[:port]/path`, or refuses it.
pub fn parse(input: &str) -> Result<String> {
    let invalid = || Error::InvalidUrl(super::redact::url(input));
    let trimmed = input.trim();
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            if scheme == "http" || scheme == "https" {
                let url = super::redact::url(input);
                let suggested = format!("ws{}://{rest}", &scheme[4..]);
                return Err(Error::HttpUrl {
                    suggested: super::redact::url(&suggested),
                    url,
                });
            }
            if scheme != "ws" && scheme != "wss" {
                return Err(invalid());
            }
            (scheme, rest.to_string())
        }
        None if trimmed.starts_with(':') => ("ws".to_string(), format!("localhost{trimmed}")),
        None => {
            // Without a scheme a port is required, so a bare word is refused.
            let authority = trimmed.split(['/', '?']).next().unwrap_or_default();
            if !authority.contains(':') {
                return Err(invalid());
            }
            ("ws".to_string(), trimmed.to_string())
        }
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if checked_host_and_port(authority).is_none() {
        return Err(invalid());
    }
    let path = match path {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    if path.contains(char::is_whitespace) {
        return Err(invalid());
    }
    Ok(format!("{scheme}://{authority}{path}"))
}

/// Where the authority of a URL that [`parse`] made starts: after `://`.
fn authority_start(url: &str) -> usize {
    url.find("://").map_or(0, |i| i + 3)
}

/// Where the path of a URL that [`parse`] made starts (`ws://h:1/a?b` →
/// the index of `/a?b`): after the scheme and the authority.
pub(crate) fn path_start(url: &str) -> usize {
    let authority = authority_start(url);
    url[authority..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority + i)
}

/// The host of a URL that [`parse`] made, without a user, a port or an
/// IPv6 address's brackets (`ws://u@[::1]:8/` → `::1`).
pub(crate) fn host(url: &str) -> &str {
    let authority = &url[authority_start(url)..path_start(url)];
    host_and_port(authority).map_or(authority, |(host, _)| host)
}

/// An authority's host and port (`user@host:port`, `[v6]:port`); `None`
/// for an IPv6 address without its closing bracket.
fn host_and_port(authority: &str) -> Option<(&str, Option<&str>)> {
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    Some(if let Some(v6) = host_port.strip_prefix('[') {
        let (host, rest) = v6.split_once(']')?;
        (host, rest.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    })
}

/// An authority's host and port when both are valid, in a URL or a
/// proxy's address: a host of letters, digits and `-._:%`, a port of 1 to
/// 65535.
pub(crate) fn checked_host_and_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = host_and_port(authority)?;
    let valid = |c: char| c.is_ascii_alphanumeric() || "-._:%".contains(c);
    if host.is_empty() || !host.chars().all(valid) {
        return None;
    }
    let port = port.map(str::parse::<NonZeroU16>).transpose().ok()?;
    Some((host, port.map(u16::from)))
}

#[cfg(test)]
mod tests {
    use super::{host, parse, path_start};

    #[test]
    fn host_and_path_of_a_parsed_url() {
        for (url, want) in [
            ("ws://example.com/", "example.com"),
            ("ws://u:p@example.com:80/a?b", "example.com"),
            ("ws://[::1]:8080/x", "::1"),
            ("ws://[::1]/", "::1"),
        ] {
            assert_eq!(host(url), want, "{url}");
        }
        assert_eq!(&"ws://h:1/a?b"[path_start("ws://h:1/a?b")..], "/a?b");
    }

    #[test]
    fn accepted_forms() {
        let cases = [
            ("ws://example.com", "ws://example.com/"),
            ("wss://example.com/chat?x=1", "wss://example.com/chat?x=1"),
            (":8000", "ws://localhost:8000/"),
            (":8000/feed", "ws://localhost:8000/feed"),
            ("localhost:9001/path", "ws://localhost:9001/path"),
            ("127.0.0.1:80", "ws://127.0.0.1:80/"),
            ("ws://[::1]:8080", "ws://[::1]:8080/"),
            ("WS://Host:1", "ws://Host:1/"),
        ];
        for (input, want) in cases {
            assert_eq!(parse(input).unwrap(), want, "{input}");
        }
    }

    #[test]
    fn http_urls_are_answered_with_the_websocket_url() {
        for (input, want) in [
            ("http://example.com/chat", "ws://example.com/chat"),
            ("HTTPS://example.com:8443", "wss://example.com:8443"),
        ] {
            let err = parse(input).unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
            assert_eq!(err.exit_status(), 2);
        }
    }

    #[test]
    fn refused_forms() {
        for input in [
            "ftp://example.com",
            "example",
            "ws://",
            "ws://host:99999",
            "ws://host:0",
            "ws://host:port",
            ":abc",
            "",
            "ws://ho st/",
        ] {
            let err = parse(input).unwrap_err();
            assert!(
                err.to_string().contains("is not a valid websocket url"),
                "{input}"
            );
            assert_eq!(err.exit_status(), 2);
        }
    }
}
