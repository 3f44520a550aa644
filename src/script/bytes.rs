//! Bytes written as text: hex (`de ad be ef`) and base64 (`3q2+7w==`), for
//! `from_hex`, `to_hex`, `from_base64`, `to_base64` and the `hex:`/`base64:`
//! forms of a typed `byte` command.

use base64::Engine as _;
use base64::engine::general_purpose::{
    STANDARD, STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT,
};

/// Hex digits to bytes: spaces, `:` and `-` between bytes and a leading
/// `0x` are allowed (`de ad be ef`, `0xdeadbeef`, `de:ad`).
pub(crate) fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    let trimmed = text.trim();
    let body = trimmed
        .strip_prefix("0x")
        .or_else(|| trimmed.strip_prefix("0X"))
        .unwrap_or(trimmed);
    let digits: Vec<u8> = body
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == ':' || *c == '-'))
        .map(|c| {
            c.to_digit(16).map(|d| d as u8).ok_or_else(|| {
                format!("from_hex: {c:?} is not a hex digit; write bytes like \"de ad be ef\"")
            })
        })
        .collect::<Result<_, _>>()?;
    if digits.len() % 2 == 1 {
        return Err(format!(
            "from_hex: {} hex digits is an odd number; each byte takes two (0f, not f)",
            digits.len()
        ));
    }
    Ok(digits
        .chunks(2)
        .map(|pair| pair[0] << 4 | pair[1])
        .collect())
}

/// Bytes as lowercase hex digits, two per byte, no separator.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Base64 (standard or URL-safe alphabet, padding optional) to bytes.
pub(crate) fn from_base64(text: &str) -> Result<Vec<u8>, String> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD_PAD_INDIFFERENT
        .decode(&text)
        .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(&text))
        .map_err(|e| format!("from_base64: the text is not base64 ({e})"))
}

/// Bytes as standard base64 with padding.
pub(crate) fn to_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The bytes of a typed `byte` argument written as `hex:…` or `base64:…`;
/// `None` for any other text.
pub(crate) fn typed(argument: &str) -> Option<Result<Vec<u8>, String>> {
    if let Some(hex) = argument.strip_prefix("hex:") {
        return Some(from_hex(hex).map_err(|e| e.replacen("from_hex:", "byte hex:", 1)));
    }
    argument
        .strip_prefix("base64:")
        .map(|b64| from_base64(b64).map_err(|e| e.replacen("from_base64:", "byte base64:", 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_in_the_forms_people_write() {
        let want = vec![0xde, 0xad, 0xbe, 0xef];
        for text in [
            "deadbeef",
            "de ad be ef",
            "0xDEADBEEF",
            "de:ad:be:ef",
            " de-ad-be-ef ",
        ] {
            assert_eq!(from_hex(text).unwrap(), want, "{text}");
        }
        assert_eq!(to_hex(&want), "deadbeef");
        assert!(from_hex("abc").unwrap_err().contains("odd"));
        assert!(from_hex("zz").unwrap_err().contains("not a hex digit"));
    }

    #[test]
    fn base64_with_or_without_padding() {
        let want = vec![0xde, 0xad, 0xbe, 0xef];
        assert_eq!(from_base64("3q2+7w==").unwrap(), want);
        assert_eq!(from_base64("3q2+7w").unwrap(), want);
        assert_eq!(from_base64("3q2-7w==").unwrap(), want);
        assert_eq!(to_base64(&want), "3q2+7w==");
        assert!(from_base64("*").unwrap_err().contains("not base64"));
    }

    #[test]
    fn typed_forms() {
        assert_eq!(typed("hex:de ad").unwrap().unwrap(), [0xde, 0xad]);
        assert_eq!(typed("base64:3q0=").unwrap().unwrap(), [0xde, 0xad]);
        assert!(
            typed("hex:x")
                .unwrap()
                .unwrap_err()
                .starts_with("byte hex:")
        );
        assert!(typed("0xdeadbeef").is_none());
    }
}
