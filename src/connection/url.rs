//! Websocket URLs as users type them: `ws://…`, `wss://…`,
//! `:8000` for `ws://localhost:8000/`, and `host:port/path` for `ws://…`.

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
    if !valid_authority(authority) {
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

/// Where the path of a URL that [`parse`] made starts (`ws://h:1/a?b` →
/// the index of `/a?b`): after the scheme and the authority.
pub(crate) fn path_start(url: &str) -> usize {
    let authority = url.find("://").map_or(0, |i| i + 3);
    url[authority..]
        .find(['/', '?'])
        .map_or(url.len(), |i| authority + i)
}

fn valid_authority(authority: &str) -> bool {
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':')),
            None => return false,
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._:%".contains(c));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    host_ok && port_ok
}

#[cfg(test)]
mod tests {
    use super::parse;

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
