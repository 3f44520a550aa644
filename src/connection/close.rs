//! Closing by the rules of RFC 6455: the limits on what we send (close
//! codes, close reasons, control-frame payloads), each check refusing with a
//! message that names the value and what is allowed; the code that tells a
//! peer what it broke. The close handshake itself is the engine's (see
//! [`super::engine`]).

use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::error::{CapacityError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::deflate::InflateError;
use crate::error::{Error, Result};

/// The largest payload of a ping, pong or close frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;
/// The largest close reason (125 less the two bytes of the code).
pub const MAX_REASON: usize = 123;

/// Refuses a close code that an endpoint may not send.
pub fn check_close_code(code: u16) -> Result<()> {
    let allowed = matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999);
    if allowed {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{code} is not a close code that may be sent; use 1000-1003, 1007-1014 or 3000-4999"
        )))
    }
}

/// Parses a close code typed by the user.
pub fn parse_close_code(text: &str) -> Result<u16> {
    let code = text.trim().parse::<u16>().map_err(|_| {
        Error::Usage(format!(
            "{text} is not a close code; use an integer in 1000-1003, 1007-1014 or 3000-4999"
        ))
    })?;
    check_close_code(code)?;
    Ok(code)
}

/// Refuses a close reason over 123 bytes.
pub fn check_reason(reason: &str) -> Result<()> {
    if reason.len() > MAX_REASON {
        return Err(Error::Usage(format!(
            "the close reason is {} bytes long; it can be at most {MAX_REASON} bytes",
            reason.len()
        )));
    }
    Ok(())
}

/// Refuses a ping or pong payload over 125 bytes.
pub fn check_control_payload(len: usize) -> Result<()> {
    if len > MAX_CONTROL_PAYLOAD {
        return Err(Error::Usage(format!(
            "the message is {len} bytes long; a ping or pong can carry at most {MAX_CONTROL_PAYLOAD} bytes"
        )));
    }
    Ok(())
}

/// The registered name of a close code, for display.
pub fn close_code_name(code: u16) -> &'static str {
    match code {
        1000 => "normal closure",
        1001 => "going away",
        1002 => "protocol error",
        1003 => "unsupported data",
        1005 => "no status received",
        1006 => "abnormal closure",
        1007 => "invalid payload data",
        1008 => "policy violation",
        1009 => "message too big",
        1010 => "mandatory extension",
        1011 => "internal error",
        1012 => "service restart",
        1013 => "try again later",
        1014 => "bad gateway",
        1015 => "TLS handshake failure",
        3000..=3999 => "registered",
        4000..=4999 => "private use",
        _ => "unknown",
    }
}

/// The close code for a peer that broke the rules, if it can be told:
/// 1009 for a message too big (also once inflated), 1007 for invalid UTF-8
/// or compressed data that does not inflate, 1002 for other protocol
/// errors; none for a connection that is simply gone.
pub(crate) fn close_code_for(error: &WsError) -> Option<CloseCode> {
    match error {
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => Some(CloseCode::Size),
        WsError::Io(e) => match super::deflate::inflate_error(e)? {
            InflateError::TooBig { .. } => Some(CloseCode::Size),
            InflateError::Corrupt => Some(CloseCode::Invalid),
        },
        WsError::Utf8(_) => Some(CloseCode::Invalid),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => None,
        WsError::Protocol(_) => Some(CloseCode::Protocol),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_codes() {
        for ok in [1000, 1001, 1003, 1007, 1011, 1014, 3000, 4999] {
            assert!(check_close_code(ok).is_ok(), "{ok}");
        }
        for bad in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
            let e = check_close_code(bad).unwrap_err().to_string();
            assert!(
                e.contains(&bad.to_string()) && e.contains("3000-4999"),
                "{e}"
            );
        }
        assert!(
            parse_close_code("abc")
                .unwrap_err()
                .to_string()
                .contains("abc")
        );
        assert!(parse_close_code("70000").is_err());
    }

    #[test]
    fn payload_limits_name_the_numbers() {
        assert!(check_reason(&"x".repeat(123)).is_ok());
        let e = check_reason(&"x".repeat(124)).unwrap_err().to_string();
        assert!(e.contains("124") && e.contains("123"), "{e}");
        assert!(check_control_payload(125).is_ok());
        let e = check_control_payload(126).unwrap_err().to_string();
        assert!(e.contains("126") && e.contains("125"), "{e}");
    }
}
