//! The options map of `connect(url, options)`: `headers`, `subprotocols`,
//! `max_message_size`, `connect_timeout`, `compression`.

use std::time::Duration;

use rhai::{Dynamic, Map};

use super::context::Fallible;
use super::diagnostics::runtime;
use crate::connection::ConnectOptions;
use crate::settings::MAX_SECONDS;

/// Applies a Rhai options map onto connection options.
pub(crate) fn apply(options: &mut ConnectOptions, map: Map) -> Fallible<()> {
    for (key, value) in map {
        match key.as_str() {
            "headers" => options.headers.extend(headers(value)?),
            "subprotocols" => options.subprotocols.extend(strings(value, "subprotocols")?),
            "max_message_size" => {
                let size = value.as_int().ok().filter(|n| *n > 0).ok_or_else(|| {
                    runtime("connect: max_message_size must be a positive integer (bytes)")
                })?;
                options.max_message_size = size as usize;
            }
            "connect_timeout" => options.connect_timeout = seconds(&value, "connect_timeout")?,
            "compression" => {
                options.compression = value
                    .as_bool()
                    .map_err(|_| runtime("connect: compression must be true or false"))?;
            }
            other => {
                return Err(runtime(format!(
                    "connect: unknown option {other}; use headers, subprotocols, max_message_size, connect_timeout or compression"
                )));
            }
        }
    }
    Ok(())
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
