//! The options map of `connect(url, options)`: `headers` and
//! `subprotocols`, and every setting that concerns one connection
//! (`max_message_size`, `connect_timeout`, `compression`, …; the settings
//! table says which), checked as a settings file's values are.

use std::time::Duration;

use rhai::{Dynamic, Map};

use super::context::Fallible;
use super::diagnostics::{runtime, to_rhai};
use crate::connection::ConnectOptions;
use crate::settings::{MAX_SECONDS, Settings};

/// The connection options of `settings` with a Rhai options map applied.
pub(crate) fn apply(settings: &Settings, map: Map) -> Fallible<ConnectOptions> {
    let mut settings = settings.clone();
    let (mut headers, mut subprotocols) = (Vec::new(), Vec::new());
    for (key, value) in map {
        match key.as_str() {
            "headers" => headers.extend(self::headers(value)?),
            "subprotocols" => subprotocols.extend(strings(value, "subprotocols")?),
            // The protocol's credentials, any Rhai value as JSON.
            "init" | "protocol_init" => {
                let json = rhai::serde::from_dynamic::<serde_json::Value>(&value)
                    .map_err(|e| runtime(format!("connect: {key} cannot be JSON: {e}")))?;
                settings.protocol_init = Some(json);
            }
            name => {
                let value = toml_value(&value).ok_or_else(|| {
                    runtime(format!(
                        "connect: {name} is {}; give a number, a string or true/false",
                        super::diagnostics::type_phrase(value.type_name())
                    ))
                })?;
                crate::settings::set_option(&mut settings, name, &value).map_err(to_rhai)?;
            }
        }
    }
    let mut options = settings.connect_options();
    options.headers.extend(headers);
    options.subprotocols.extend(subprotocols);
    Ok(options)
}

/// A Rhai value as the TOML value a settings file would hold.
fn toml_value(value: &Dynamic) -> Option<toml::Value> {
    if let Ok(n) = value.as_int() {
        return Some(toml::Value::Integer(n));
    }
    if let Ok(x) = value.as_float() {
        return Some(toml::Value::Float(x));
    }
    if let Ok(b) = value.as_bool() {
        return Some(toml::Value::Boolean(b));
    }
    value
        .is_string()
        .then(|| toml::Value::String(value.to_string()))
}

/// Seconds as an integer or a float: at least 0 and at most
/// [`MAX_SECONDS`]; anything else is refused with the range.
pub(crate) fn seconds(value: &Dynamic, what: &str) -> Fallible<Duration> {
    let secs = value
        .as_float()
        .ok()
        .or_else(|| value.as_int().ok().map(|i| i as f64));
    let Some(secs) = secs else {
        return Err(runtime(format!(
            "{what} expects a number of seconds, got {}",
            super::diagnostics::type_phrase(value.type_name())
        )));
    };
    Some(secs)
        .filter(|s| (0.0..=MAX_SECONDS).contains(s))
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| {
            runtime(format!(
                "{what}: {secs} seconds is not allowed; use a number from 0 to {MAX_SECONDS}"
            ))
        })
}

fn headers(value: Dynamic) -> Fallible<Vec<(String, String)>> {
    if let Some(map) = value.clone().try_cast::<Map>() {
        return Ok(map
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect());
    }
    if let Some(array) = value.try_cast::<rhai::Array>() {
        return array
            .into_iter()
            .map(|pair| {
                let pair = strings(pair, "headers")?;
                match <[String; 2]>::try_from(pair) {
                    Ok([name, value]) => Ok((name, value)),
                    Err(_) => Err(runtime("connect: each header is [name, value]")),
                }
            })
            .collect();
    }
    Err(runtime(
        "connect: headers is a map #{\"Name\": \"value\"} or a list of [name, value]",
    ))
}

fn strings(value: Dynamic, what: &str) -> Fallible<Vec<String>> {
    match value.try_cast::<rhai::Array>() {
        Some(items) => Ok(items.into_iter().map(|v| v.to_string()).collect()),
        None => Err(runtime(format!("connect: {what} is a list of strings"))),
    }
}
