//! Negotiating permessage-deflate (RFC 7692 §5, §7.1) in the
//! `Sec-WebSocket-Extensions` header: the client's offer and its check of
//! the server's answer, the server's choice among a client's offers and
//! its answer. The outcome is a [`Params`] for each side's compressor.

use std::fmt;

/// The extension's name.
pub const NAME: &str = "permessage-deflate";

/// The offers a client sends, in order of preference (RFC 7692 §5):
/// permessage-deflate where the server may limit the window we compress
/// with; then the same where we also reset our compressor after each
/// message, for a server that accepts only a client that offers to
/// (servers take the first offer they can honour).
pub const CLIENT_OFFER: &str = "permessage-deflate; client_max_window_bits, \
     permessage-deflate; client_no_context_takeover; client_max_window_bits";

/// What both sides agreed on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Params {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The largest window the server compresses with (8-15; none: 15).
    pub server_max_window_bits: Option<u8>,
    /// The largest window the client compresses with (8-15; none: 15).
    pub client_max_window_bits: Option<u8>,
}

impl fmt::Display for Params {
    /// The agreed extension as it appears in the header, e.g.
    /// `permessage-deflate; server_no_context_takeover`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NAME)?;
        if self.server_no_context_takeover {
            f.write_str("; server_no_context_takeover")?;
        }
        if self.client_no_context_takeover {
            f.write_str("; client_no_context_takeover")?;
        }
        if let Some(bits) = self.server_max_window_bits {
            write!(f, "; server_max_window_bits={bits}")?;
        }
        if let Some(bits) = self.client_max_window_bits {
            write!(f, "; client_max_window_bits={bits}")?;
        }
        Ok(())
    }
}

/// One element of an extension header: a name and its parameters.
struct Element<'a> {
    name: &'a str,
    params: Vec<(&'a str, Option<&'a str>)>,
}

/// Splits header values into elements (`a; p=1, b` → `a` with `p=1`, `b`).
fn elements<'a>(values: &[&'a str]) -> Vec<Element<'a>> {
    values
        .iter()
        .flat_map(|value| value.split(','))
        .filter(|element| !element.trim().is_empty())
        .map(|element| {
            let mut parts = element.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let params = parts
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim(), Some(v.trim().trim_matches('"'))),
                    None => (p, None),
                })
                .collect();
            Element { name, params }
        })
        .collect()
}

/// A window size parameter `name`: 8 to 15.
fn window_bits(name: &str, value: Option<&str>) -> Result<u8, String> {
    value
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|bits| (8..=15).contains(bits))
        .ok_or_else(|| match value {
            Some(value) => format!("{name}={value} (allowed: 8 to 15)"),
            None => format!("{name} without a value"),
        })
}

/// The parameters of one permessage-deflate element. `client_max_window_bits`
/// without a value (only valid in a client's offer) reads as `Some(15)`
/// when `bare_client_bits` allows it.
fn params(element: &Element<'_>, bare_client_bits: bool) -> Result<Params, String> {
    let mut params = Params::default();
    let mut seen = Vec::new();
    for &(name, value) in &element.params {
        if seen.contains(&name) {
            return Err(format!("{name} twice"));
        }
        seen.push(name);
        match (name, value) {
            ("server_no_context_takeover", None) => params.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => params.client_no_context_takeover = true,
            ("server_max_window_bits", v) => {
                params.server_max_window_bits = Some(window_bits(name, v)?)
            }
            ("client_max_window_bits", None) if bare_client_bits => {
                params.client_max_window_bits = Some(15)
            }
            ("client_max_window_bits", v) => {
                params.client_max_window_bits = Some(window_bits(name, v)?)
            }
            (name, Some(value)) => return Err(format!("the parameter {name}={value}")),
            (name, None) => return Err(format!("the parameter {name}")),
        }
    }
    Ok(params)
}

/// Checks the server's `Sec-WebSocket-Extensions` answer to our offer
/// (`offered`: whether we sent [`CLIENT_OFFER`]). `Ok(None)`: no
/// compression; an error says what in the answer is wrong.
pub fn client_accepts(offered: bool, values: &[&str]) -> Result<Option<Params>, String> {
    let elements = elements(values);
    let Some(first) = elements.first() else {
        return Ok(None);
    };
    if !offered || first.name != NAME {
        return Err(format!(
            "the server chose the extension {:?}, which was not offered",
            first.name
        ));
    }
    if elements.len() > 1 {
        return Err(format!(
            "the server chose {} extensions, only {NAME} was offered",
            elements.len()
        ));
    }
    params(first, false)
        .map(Some)
        .map_err(|what| format!("the server answered {NAME} with {what}"))
}

/// The server's choice among a client's offers: the first it can honour,
/// and the answer for `Sec-WebSocket-Extensions`. `None`: no compression.
/// `window_bits` is the largest window either side may use: where the
/// offer names `client_max_window_bits` (with or without a value) the
/// client's window is limited to it, and the server's own always (RFC 7692
/// §7.1.2.1 lets the answer name it even when the offer did not), or less
/// when the offer asks for less. With 12 bits (4 KiB rather than 32 KiB,
/// as Python `websockets` chooses) the decompressor of a client's messages
/// holds a 4 KiB window, which matters for a server holding thousands of
/// connections; JSON and text compress nearly as well.
pub fn server_accepts(values: &[&str], window_bits: u8) -> Option<Params> {
    let bits = window_bits.clamp(9, 15);
    elements(values)
        .iter()
        .filter(|element| element.name == NAME)
        .find_map(|offer| params(offer, true).ok())
        .map(|offer| Params {
            client_max_window_bits: offer.client_max_window_bits.map(|b| b.min(bits)),
            server_max_window_bits: Some(
                offer.server_max_window_bits.map_or(bits, |b| b.min(bits)),
            ),
            ..offer
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_answer_agrees_on_the_defaults() {
        assert_eq!(
            client_accepts(true, &["permessage-deflate"]),
            Ok(Some(Params::default()))
        );
        assert_eq!(client_accepts(true, &[]), Ok(None));
    }

    #[test]
    fn every_parameter_of_an_answer_is_read() {
        let answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9";
        let params = client_accepts(true, &[answer]).unwrap().unwrap();
        assert_eq!(
            params,
            Params {
                server_no_context_takeover: true,
                client_no_context_takeover: true,
                server_max_window_bits: Some(10),
                client_max_window_bits: Some(9),
            }
        );
        assert_eq!(params.to_string(), answer);
    }

    #[test]
    fn a_bad_answer_is_refused_with_what_is_wrong() {
        let refused = |value: &str| client_accepts(true, &[value]).unwrap_err();
        assert!(refused("permessage-deflate; server_max_window_bits=7").contains("7"));
        assert!(
            refused("permessage-deflate; client_max_window_bits")
                .contains("client_max_window_bits")
        );
        assert!(refused("permessage-deflate; x=1").contains("x=1"));
        assert!(
            refused("permessage-deflate; server_no_context_takeover; server_no_context_takeover")
                .contains("twice")
        );
        assert!(refused("x-webkit-deflate-frame").contains("not offered"));
        assert!(refused("permessage-deflate, permessage-deflate").contains("2 extensions"));
        assert!(client_accepts(false, &["permessage-deflate"]).is_err());
    }

    #[test]
    fn the_server_takes_the_first_offer_it_can_honour() {
        let first = "permessage-deflate; foo, permessage-deflate; server_max_window_bits=9; client_max_window_bits";
        // What browsers and Python websockets offer (the second): the
        // client's window is limited; a larger server window asked for is
        // brought down (the third).
        let cases = [
            (
                &[first, "permessage-deflate"][..],
                Some("permessage-deflate; server_max_window_bits=9; client_max_window_bits=12"),
            ),
            (
                &["permessage-deflate; client_max_window_bits"],
                Some("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"),
            ),
            (
                &["permessage-deflate; server_max_window_bits=15; client_max_window_bits=10"],
                Some("permessage-deflate; server_max_window_bits=12; client_max_window_bits=10"),
            ),
            (&["x-other"], None),
            (
                &["permessage-deflate; client_no_context_takeover; server_no_context_takeover"],
                Some(
                    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12",
                ),
            ),
        ];
        for (offers, answer) in cases {
            let agreed = server_accepts(offers, 12).map(|params| params.to_string());
            assert_eq!(agreed.as_deref(), answer, "{offers:?}");
        }
    }

    #[test]
    fn our_offers_keep_context_takeover_unless_the_server_asks() {
        // A server that takes the first offer keeps our context.
        let first = server_accepts(&[CLIENT_OFFER], 12).unwrap();
        assert!(!first.client_no_context_takeover);
        // One that wants a client without context takeover finds it offered.
        let answer = "permessage-deflate; client_no_context_takeover; client_max_window_bits=9";
        let agreed = client_accepts(true, &[answer]).unwrap().unwrap();
        assert!(agreed.client_no_context_takeover);
        assert_eq!(agreed.client_max_window_bits, Some(9));
    }
}
