//! The values of the settings keys: parsing each one from a flag, an
//! environment variable or a TOML file, the errors that name the key, the
//! source and what is allowed, and the TOML lines `ws config` prints.

use std::collections::HashMap;
use std::time::Duration;

use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};

use super::keys::{self, Key, Kind, Origin};
use super::{ConfigFile, Settings, Source};
use crate::error::{Error, Result};

/// A value as found: text (flag, environment) or TOML (file).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Raw<'a> {
    Text(&'a str),
    Toml(&'a toml::Value),
}

/// Parses a settings file, refusing bad TOML and unknown keys.
pub(super) fn parse_file(file: &ConfigFile) -> Result<toml::Table> {
    let table: toml::Table = toml::from_str(&file.text).map_err(|e| {
        let line = e.span().map(|span| {
            file.text[..span.start.min(file.text.len())]
                .lines()
                .count()
                .max(1)
        });
        let at = line.map(|n| format!(" line {n}:")).unwrap_or_default();
        Error::Settings(format!(
            "cannot read the settings file {}:{at} {}",
            file.path.display(),
            e.message().trim_end_matches('.')
        ))
    })?;
    if let Some(key) = table.keys().find(|key| keys::find(key).is_none()) {
        let hint = keys::names()
            .find(|known| strsim::jaro_winkler(known, key) > 0.85)
            .map(|known| format!("did you mean {known}? "))
            .unwrap_or_default();
        return Err(Error::Settings(format!(
            "unknown setting {key} in {}; {hint}the settings are {}",
            file.path.display(),
            keys::names().collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(table)
}

/// Sets `key` of `settings` from `raw`, or says what is wrong with it.
pub(super) fn apply(
    settings: &mut Settings,
    key: &Key,
    raw: Raw<'_>,
    source: &Source,
    env: &HashMap<String, String>,
) -> Result<()> {
    let origin = Origin { source, env };
    (key.set)(settings, key.kind, raw, &origin).ok_or_else(|| bad_value(key, raw, source))
}

fn bad_value(key: &Key, raw: Raw<'_>, source: &Source) -> Error {
    let secret_headers = key.kind == Kind::Headers && {
        let text = match raw {
            Raw::Text(text) => text.to_ascii_lowercase(),
            Raw::Toml(value) => value.to_string().to_ascii_lowercase(),
        };
        text.contains("authorization") || text.contains("cookie")
    };
    let shown = match raw {
        _ if matches!(key.kind, Kind::Secret | Kind::Json) || secret_headers => {
            "(hidden)".to_string()
        }
        Raw::Text(text) => format!("{:?}", shorten(text)),
        Raw::Toml(value) => shorten(&value.to_string()),
    };
    let message = format!(
        "{} = {shown} ({source}) is not allowed: {}",
        key.name,
        key.kind.allowed()
    );
    // A bad flag is bad usage of the command line (status 2); a bad
    // variable or file entry is a runtime failure (status 1).
    match source {
        Source::Flag(_) => Error::Usage(message),
        _ => Error::Settings(message),
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

pub(super) fn text(raw: Raw<'_>) -> Option<&str> {
    match raw {
        Raw::Text(text) => Some(text),
        Raw::Toml(value) => value.as_str(),
    }
}

fn number(raw: Raw<'_>) -> Option<f64> {
    match raw {
        Raw::Toml(toml::Value::Integer(n)) => Some(*n as f64),
        Raw::Toml(toml::Value::Float(x)) => Some(*x),
        _ => text(raw)?.trim().parse::<f64>().ok(),
    }
}

/// Seconds from a millisecond: a keepalive or a timeout shorter than that
/// means nothing on a network.
pub(super) fn seconds(raw: Raw<'_>) -> Option<Duration> {
    let secs = number(raw).filter(|s| *s >= 0.001 && *s <= super::MAX_SECONDS)?;
    Duration::try_from_secs_f64(secs).ok()
}

/// Seconds: 0 (at once), or from a millisecond.
pub(super) fn wait(raw: Raw<'_>) -> Option<Duration> {
    let secs = number(raw).filter(|s| *s == 0.0 || (*s >= 0.001 && *s <= super::MAX_SECONDS))?;
    Duration::try_from_secs_f64(secs).ok()
}

pub(super) fn timeout(raw: Raw<'_>) -> Option<Option<Duration>> {
    match text(raw).map(str::trim) {
        Some("inf" | "infinity") => Some(None),
        _ => seconds(raw).map(Some),
    }
}

pub(super) fn boolean(raw: Raw<'_>) -> Option<bool> {
    match raw {
        Raw::Toml(toml::Value::Boolean(b)) => Some(*b),
        _ => match text(raw)?.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" => Some(false),
            _ => None,
        },
    }
}

/// `reconnect`: a number of attempts, `inf`/true for no limit, false for
/// none (`Some(None)`).
pub(super) fn reconnect(raw: Raw<'_>) -> Option<Option<crate::connection::ReconnectSettings>> {
    use crate::connection::ReconnectSettings;
    if let Some(n) = whole(raw, 0, 1_000_000) {
        let attempts = u32::try_from(n).ok()?;
        return Some((n > 0).then_some(ReconnectSettings {
            attempts: Some(attempts),
        }));
    }
    let unlimited = ReconnectSettings { attempts: None };
    match text(raw).map(|t| t.trim().to_ascii_lowercase()).as_deref() {
        Some("inf") => Some(Some(unlimited)),
        _ => Some(boolean(raw)?.then_some(unlimited)),
    }
}

pub(super) fn whole(raw: Raw<'_>, min: usize, max: usize) -> Option<usize> {
    let n = match raw {
        Raw::Toml(toml::Value::Integer(n)) => usize::try_from(*n).ok()?,
        _ => text(raw)?.trim().parse::<usize>().ok()?,
    };
    (min..=max).contains(&n).then_some(n)
}

/// A size in bytes: `1048576`, `64K`, `16M`, `1G` (also `KB`, `KiB`, …).
pub(crate) fn parse_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits);
    let unit: u64 = match suffix.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        _ => return None,
    };
    let bytes = number.parse::<u64>().ok()?.checked_mul(unit)?;
    (1..=4 << 30)
        .contains(&bytes)
        .then(|| usize::try_from(bytes).ok())?
}

/// A size from 0 (`0` or a size).
pub(super) fn bytes(raw: Raw<'_>) -> Option<usize> {
    match raw {
        Raw::Toml(toml::Value::Integer(0)) => Some(0),
        Raw::Text(text) if text.trim() == "0" => Some(0),
        _ => size(raw),
    }
}

pub(super) fn size(raw: Raw<'_>) -> Option<usize> {
    match raw {
        Raw::Toml(toml::Value::Integer(n)) => parse_size(&n.to_string()),
        _ => parse_size(text(raw)?),
    }
}

pub(super) fn headers(raw: Raw<'_>) -> Option<Vec<(String, String)>> {
    let pairs = match raw {
        Raw::Toml(value) => toml_headers(value)?,
        Raw::Text(text) if text.trim_start().starts_with(['[', '{']) => {
            let table: toml::Table = toml::from_str(&format!("v = {text}")).ok()?;
            toml_headers(table.get("v")?)?
        }
        Raw::Text(text) => text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(split_header)
            .collect::<Option<_>>()?,
    };
    pairs
        .iter()
        .all(|(n, v)| valid_header(n, v))
        .then_some(pairs)
}

fn toml_headers(value: &toml::Value) -> Option<Vec<(String, String)>> {
    if let Some(table) = value.as_table() {
        return table
            .iter()
            .map(|(name, value)| Some((name.clone(), value.as_str()?.to_string())))
            .collect();
    }
    let pair = |item: &toml::Value| match item {
        toml::Value::String(line) => split_header(line),
        toml::Value::Array(pair) => match pair.as_slice() {
            [name, value] => Some((name.as_str()?.into(), value.as_str()?.into())),
            _ => None,
        },
        _ => None,
    };
    value.as_array()?.iter().map(pair).collect()
}

/// A `Name: value` line as it may be shown: a secret header's value masked.
fn masked_header(line: &str) -> String {
    match line.split_once(':') {
        Some((name, _)) if crate::connection::redact::is_secret_header(name) => {
            format!("{name}: {}", crate::connection::redact::MASK)
        }
        _ => line.to_string(),
    }
}

fn split_header(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once(':')?;
    Some((name.trim().to_string(), value.trim().to_string()))
}

fn valid_header(name: &str, value: &str) -> bool {
    HeaderName::from_bytes(name.as_bytes()).is_ok() && HeaderValue::from_str(value).is_ok()
}

/// Adds the `-H` headers, each replacing configured ones of the same name.
pub(super) fn add_flag_headers(
    headers: &mut Vec<(String, String)>,
    flags: &[String],
) -> Result<()> {
    let given = flags
        .iter()
        .map(|flag| {
            split_header(flag)
                .filter(|(n, v)| valid_header(n, v))
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "-H {:?} (flag -H) is not allowed: use -H 'Name: value' with a valid header name and value",
                        shorten(&masked_header(flag))
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    headers.retain(|(name, _)| !given.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
    headers.extend(given);
    Ok(())
}

/// One line of `ws config`: `key = value  # source`, or a comment for an unset key.
pub(super) fn show_line(settings: &Settings, key: &Key, source: &Source) -> String {
    match (key.get)(settings, key.kind) {
        Some(value) => format!("{} = {value}  # {source}\n", key.name),
        None => format!("# {} is not set\n", key.name),
    }
}

/// Seconds as TOML.
pub(super) fn show_seconds(duration: Duration) -> String {
    toml::Value::Float(duration.as_secs_f64()).to_string()
}

pub(super) fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

pub(super) fn show_size(bytes: usize) -> String {
    for (unit, suffix) in [(1 << 30, "G"), (1 << 20, "M"), (1 << 10, "K")] {
        if bytes.is_multiple_of(unit) {
            return quoted(&format!("{}{suffix}", bytes / unit));
        }
    }
    bytes.to_string()
}

pub(super) fn show_headers(headers: &[(String, String)]) -> String {
    let pairs: Vec<String> = headers
        .iter()
        .map(|(name, value)| {
            let value = crate::connection::redact::header_value(name, value);
            format!("[{}, {}]", quoted(name), quoted(value))
        })
        .collect();
    format!("[{}]", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_with_suffixes() {
        let cases = [
            ("1", Some(1)),
            ("64K", Some(65536)),
            ("16m", Some(16 << 20)),
            ("1 GiB", Some(1 << 30)),
            ("4G", Some(4 << 30)),
            ("5G", None),
            ("0", None),
            ("1T", None),
            ("K", None),
            ("-1", None),
            ("99999999999999999999", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_size(text), want, "{text}");
        }
    }

    #[test]
    fn reconnect_takes_attempts_inf_or_a_boolean() {
        use super::{Raw, reconnect};
        use crate::connection::ReconnectSettings;
        let attempts = |n| Some(Some(ReconnectSettings { attempts: n }));
        let cases = [
            ("3", attempts(Some(3))),
            ("inf", attempts(None)),
            ("true", attempts(None)),
            ("false", Some(None)),
            ("0", Some(None)),
            ("-1", None),
            ("many", None),
            ("99999999999", None),
        ];
        for (text, want) in cases {
            assert_eq!(reconnect(Raw::Text(text)), want, "{text}");
        }
        let toml = |v: toml::Value| reconnect(Raw::Toml(&v));
        assert_eq!(toml(toml::Value::Integer(5)), attempts(Some(5)));
        assert_eq!(toml(toml::Value::Boolean(true)), attempts(None));
        assert_eq!(toml(toml::Value::Boolean(false)), Some(None));
    }
}
