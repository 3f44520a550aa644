//! What counts as a secret and how it is shown: the password of a URL's
//! `user:password@`, and the values of `Authorization`,
//! `Proxy-Authorization`, `Cookie` and `Set-Cookie` headers become `***`
//! wherever `ws` prints or records them (the console, transcripts, errors
//! with a refused handshake's response, `ws config`).
//! What goes on the wire is never masked.

/// The mask shown in place of a secret.
pub const MASK: &str = "***";

/// `url` with the password of its userinfo masked: `ws://alice:***@host/`.
/// A userinfo without a colon is taken for a token and masked whole. Works
/// on any text shaped like a URL, with or without a scheme (proxy URLs
/// often have none), and leaves other text as it is.
pub fn url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let userinfo = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:{MASK}"),
        None => MASK.to_string(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{userinfo}@{host}{tail}"),
        None => format!("{userinfo}@{host}{tail}"),
    }
}

/// Whether a header's value is a secret.
pub fn is_secret_header(name: &str) -> bool {
    [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
    ]
    .iter()
    .any(|secret| name.trim().eq_ignore_ascii_case(secret))
}

/// A header's value as it may be shown: masked when it is a secret.
pub fn header_value<'a>(name: &str, value: &'a str) -> &'a str {
    if is_secret_header(name) { MASK } else { value }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_masked() {
        let cases = [
            ("ws://alice:s3cret@host:1/p?q", "ws://alice:***@host:1/p?q"),
            ("wss://token@host/", "wss://***@host/"),
            ("http://u:p@proxy:3128", "http://u:***@proxy:3128"),
            ("u:p@proxy:3128", "u:***@proxy:3128"),
            ("ws://host/a@b", "ws://host/a@b"),
            ("ws://host:1/", "ws://host:1/"),
            ("ws://a:b:c@d@host/", "ws://a:***@host/"),
        ];
        for (given, shown) in cases {
            assert_eq!(url(given), shown, "{given}");
        }
    }

    #[test]
    fn secret_headers_are_masked_whatever_their_case() {
        assert_eq!(header_value("AUTHORIZATION", "Bearer x"), MASK);
        assert_eq!(header_value(" cookie", "a=b"), MASK);
        assert_eq!(header_value("Set-Cookie", "a=b; HttpOnly"), MASK);
        assert_eq!(header_value("Proxy-Authorization", "Basic x"), MASK);
        assert_eq!(header_value("X-Trace", "1"), "1");
    }
}
