//! `parse_json` and `to_json`: JSON values to Rhai values and back.

use rhai::{Array, Blob, Dynamic, Map};
use serde_json::Value;

/// JSON text to a Rhai value.
pub(crate) fn parse(text: &str) -> Result<Dynamic, String> {
    serde_json::from_str::<Value>(text)
        .map(to_dynamic)
        .map_err(|e| format!("parse_json: the text is not JSON ({e})"))
}

fn to_dynamic(value: Value) -> Dynamic {
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => b.into(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.into(),
            None => n.as_f64().unwrap_or(f64::NAN).into(),
        },
        Value::String(s) => s.into(),
        Value::Array(items) => items.into_iter().map(to_dynamic).collect::<Array>().into(),
        Value::Object(fields) => fields
            .into_iter()
            .map(|(k, v)| (k.into(), to_dynamic(v)))
            .collect::<Map>()
            .into(),
    }
}

/// A Rhai value to JSON text; refused when it nests too deeply to write.
pub(crate) fn stringify(value: &Dynamic) -> Result<String, String> {
    super::limits::check_depth(value, "to_json")?;
    to_value(value).map(|v| v.to_string())
}

pub(crate) fn to_value(value: &Dynamic) -> Result<Value, String> {
    if value.is_unit() {
        return Ok(Value::Null);
    }
    if let Ok(b) = value.as_bool() {
        return Ok(b.into());
    }
    if let Ok(i) = value.as_int() {
        return Ok(i.into());
    }
    if let Ok(f) = value.as_float() {
        return Ok(serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number));
    }
    if value.is_string() || value.is_char() {
        return Ok(value.to_string().into());
    }
    if let Some(array) = value.read_lock::<Array>() {
        return array
            .iter()
            .map(to_value)
            .collect::<Result<_, _>>()
            .map(Value::Array);
    }
    if let Some(blob) = value.read_lock::<Blob>() {
        return Ok(blob.iter().map(|&b| Value::from(b)).collect());
    }
    if let Some(map) = value.read_lock::<Map>() {
        let mut object = serde_json::Map::new();
        for (k, v) in map.iter() {
            object.insert(k.to_string(), to_value(v)?);
        }
        return Ok(Value::Object(object));
    }
    Err(format!(
        "to_json: a {} cannot be written as JSON",
        value.type_name()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let text = r#"{"a":[1,2.5,"x",null,true],"b":{"c":-3}}"#;
        let value = parse(text).unwrap();
        let back: Value = serde_json::from_str(&stringify(&value).unwrap()).unwrap();
        let want: Value = serde_json::from_str(text).unwrap();
        assert_eq!(back, want);
    }

    #[test]
    fn bad_json_says_so() {
        assert!(parse("{nope").unwrap_err().contains("not JSON"));
    }
}
