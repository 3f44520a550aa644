//! `parse_json` and `to_json`: JSON values to Rhai values and back, through
//! Rhai's serde support. Integers beyond `i64` become floats; a blob is
//! written as an array of its bytes; a function pointer as its name.

use rhai::Dynamic;
use serde_json::Value;

/// JSON text to a Rhai value.
pub(crate) fn parse(text: &str) -> Result<Dynamic, String> {
    let value = serde_json::from_str::<Value>(text)
        .map_err(|e| format!("parse_json: the text is not JSON ({e})"))?;
    rhai::serde::to_dynamic(value).map_err(|e| format!("parse_json: {e}"))
}

/// A Rhai value to JSON text; refused when it nests too deeply to write.
pub(crate) fn stringify(value: &Dynamic) -> Result<String, String> {
    super::limits::check_depth(value, "to_json")?;
    write(value)
}

/// [`stringify`] for a map, without making it a [`Dynamic`] first.
pub(crate) fn stringify_map(map: &rhai::Map) -> Result<String, String> {
    super::limits::check_map_depth(map, "to_json")?;
    write(map)
}

fn write(value: &impl serde::Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| format!("to_json: {e}"))
}

/// A Rhai value as JSON.
pub(crate) fn to_value(value: &Dynamic) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("to_json: {e}"))
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
    fn big_integers_blobs_and_functions() {
        let value = parse("[18446744073709551615, -3]").unwrap();
        let items = value.into_array().unwrap();
        assert_eq!(items[0].as_float().unwrap(), 18446744073709551615.0);
        assert_eq!(items[1].as_int().unwrap(), -3);
        let engine = rhai::Engine::new();
        let value: Dynamic = engine.eval(r#"#{b: blob(2, 7), f: Fn("g")}"#).unwrap();
        assert_eq!(stringify(&value).unwrap(), r#"{"b":[7,7],"f":"g"}"#);
    }

    #[test]
    fn bad_json_says_so() {
        assert!(parse("{nope").unwrap_err().contains("not JSON"));
    }
}
