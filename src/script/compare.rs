//! How assertions compare and show values. Maps and arrays are compared
//! structurally and the first differing path is named (`.items[2].id`);
//! a string compared with a map or an array is read as JSON, so
//! `assert_eq(recv(), #{id: 7})` checks a JSON reply. Numbers compare by
//! value (`1 == 1.0`). Values are shown as JSON where they can be.

use rhai::{Blob, Dynamic};
use serde_json::Value;

/// The longest a value is shown in a failure, in characters.
const SHOWN: usize = 300;

/// Where two values first differ: the path (empty at the top) and a short
/// account of the difference there (empty when there is nothing to add to
/// the two values).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Difference {
    pub path: String,
    pub detail: String,
}

/// `None` when the values are equal, else where they first differ.
pub(crate) fn first_difference(left: &Dynamic, right: &Dynamic) -> Option<Difference> {
    if let (Some(l), Some(r)) = (left.read_lock::<Blob>(), right.read_lock::<Blob>()) {
        return blob_difference(&l, &r);
    }
    match (as_json(left, right), as_json(right, left)) {
        (Some(l), Some(r)) => diff(&l, &r, String::new()).or_else(|| text_difference(left, right)),
        _ => (left.type_name() != right.type_name() || left.to_string() != right.to_string()).then(
            || Difference {
                path: String::new(),
                detail: format!("{} vs {}", kind(left), kind(right)),
            },
        ),
    }
}

/// Blobs byte by byte: the first differing index, or the length.
fn blob_difference(left: &[u8], right: &[u8]) -> Option<Difference> {
    if left == right {
        return None;
    }
    let detail = match left.iter().zip(right).position(|(l, r)| l != r) {
        Some(i) => format!("byte {i}: {:02x} vs {:02x}", left[i], right[i]),
        None => format!("{} bytes vs {} bytes", left.len(), right.len()),
    };
    Some(Difference {
        path: String::new(),
        detail,
    })
}

/// Two strings holding the same JSON in different spellings still differ.
fn text_difference(left: &Dynamic, right: &Dynamic) -> Option<Difference> {
    let (l, r) = (
        left.clone().into_string().ok()?,
        right.clone().into_string().ok()?,
    );
    (l != r).then(|| Difference {
        path: String::new(),
        detail: "the texts hold the same JSON but are spelt differently (key order or spacing)"
            .into(),
    })
}

/// A value as JSON for comparison: a string is parsed as JSON when the
/// other side is a map or an array (or both are JSON texts of one).
fn as_json(value: &Dynamic, other: &Dynamic) -> Option<Value> {
    if let Ok(text) = value.clone().into_string() {
        let other_text = other.clone().into_string().ok();
        let structured_other = other.is_map() || other.is_array();
        let both_json = other_text.as_deref().is_some_and(is_json_container);
        if (structured_other || both_json) && is_json_container(&text) {
            return serde_json::from_str(&text).ok();
        }
        return Some(Value::String(text));
    }
    super::json::to_value(value).ok()
}

fn is_json_container(text: &str) -> bool {
    let text = text.trim_start();
    (text.starts_with('{') || text.starts_with('[')) && serde_json::from_str::<Value>(text).is_ok()
}

fn diff(left: &Value, right: &Value, path: String) -> Option<Difference> {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            for (key, lv) in l {
                let at = format!("{path}{}", key_step(key));
                match r.get(key) {
                    Some(rv) => {
                        if let Some(d) = diff(lv, rv, at) {
                            return Some(d);
                        }
                    }
                    None => return Some(missing(at, "right", lv)),
                }
            }
            let extra = r.iter().find(|(key, _)| !l.contains_key(*key))?;
            Some(missing(
                format!("{path}{}", key_step(extra.0)),
                "left",
                extra.1,
            ))
        }
        (Value::Array(l), Value::Array(r)) => {
            for (i, (lv, rv)) in l.iter().zip(r).enumerate() {
                if let Some(d) = diff(lv, rv, format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            let (longer, side) = if l.len() > r.len() {
                (l, "right")
            } else {
                (r, "left")
            };
            let i = l.len().min(r.len());
            let item = longer.get(i)?;
            Some(missing(format!("{path}[{i}]"), side, item))
        }
        (Value::Number(l), Value::Number(r)) if numbers_equal(l, r) => None,
        (l, r) if l == r => None,
        (l, r) => Some(Difference {
            // At the top the two values are shown anyway.
            detail: match path.is_empty() {
                true => String::new(),
                false => format!("{} vs {}", shorten(l.to_string()), shorten(r.to_string())),
            },
            path,
        }),
    }
}

fn numbers_equal(l: &serde_json::Number, r: &serde_json::Number) -> bool {
    match (l.as_i64(), r.as_i64()) {
        (Some(a), Some(b)) => a == b,
        _ => l.as_f64() == r.as_f64(),
    }
}

fn missing(path: String, side: &str, present: &Value) -> Difference {
    Difference {
        path,
        detail: format!(
            "{} on one side, missing on the {side}",
            shorten(present.to_string())
        ),
    }
}

/// `.name` for a key that is a plain word, `["a b"]` otherwise.
fn key_step(key: &str) -> String {
    let plain = !key.is_empty()
        && !key.starts_with(|c: char| c.is_ascii_digit())
        && key.chars().all(|c| c.is_alphanumeric() || c == '_');
    if plain {
        format!(".{key}")
    } else {
        format!("[{}]", Value::String(key.into()))
    }
}

/// A value as a failure shows it: JSON where it can be, a blob as hex,
/// `()` for unit, cut to a few hundred characters.
pub(crate) fn show(value: &Dynamic) -> String {
    if value.is_unit() {
        return "()".into();
    }
    if let Some(blob) = value.read_lock::<Blob>() {
        let hex: Vec<String> = blob.iter().map(|b| format!("{b:02x}")).collect();
        return shorten(format!("blob({}): {}", blob.len(), hex.join(" ")));
    }
    if let Ok(text) = value.clone().into_string()
        && is_json_container(&text)
    {
        return format!("{} (JSON text)", shorten(text));
    }
    match super::json::to_value(value) {
        Ok(json) => shorten(json.to_string()),
        Err(_) => shorten(value.to_string()),
    }
}

/// "a string", "an integer", … for messages about types.
fn kind(value: &Dynamic) -> String {
    let name = value.type_name();
    let name = match name {
        "i64" | "i32" => "integer",
        "f64" | "f32" => "float",
        "bool" => "boolean",
        "()" => "unit ()",
        "Blob" | "blob" => "blob",
        "map" | "Map" => "map",
        "array" | "Array" => "array",
        other => other,
    };
    let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {name}")
}

fn shorten(text: String) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}… ({} bytes in all)", &text[..end], text.len()),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rhai::{Array, Map};

    fn map(pairs: &[(&str, Dynamic)]) -> Dynamic {
        let map: Map = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.clone()))
            .collect();
        map.into()
    }

    fn path_of(l: Dynamic, r: Dynamic) -> Option<String> {
        first_difference(&l, &r).map(|d| d.path)
    }

    #[test]
    fn equal_scalars_and_numbers_by_value() {
        assert_eq!(first_difference(&1.into(), &1.into()), None);
        assert_eq!(first_difference(&1.into(), &1.0.into()), None);
        assert_eq!(first_difference(&"a".into(), &"a".into()), None);
        assert!(first_difference(&1.into(), &"1".into()).is_some());
    }

    #[test]
    fn the_first_differing_path_is_named() {
        let items: Array = vec![1.into(), map(&[("id", 3.into())])];
        let left = map(&[("ok", true.into()), ("items", items.into())]);
        let items: Array = vec![1.into(), map(&[("id", 4.into())])];
        let right = map(&[("ok", true.into()), ("items", items.into())]);
        let difference = first_difference(&left, &right).unwrap();
        assert_eq!(difference.path, ".items[1].id");
        assert_eq!(difference.detail, "3 vs 4");
    }

    #[test]
    fn a_json_text_compares_with_a_map() {
        let reply: Dynamic = r#"{"id": 7, "ok": true}"#.into();
        let want = map(&[("ok", true.into()), ("id", 7.into())]);
        assert_eq!(first_difference(&reply, &want), None);
        let other = map(&[("ok", true.into()), ("id", 8.into())]);
        assert_eq!(path_of(reply, other).as_deref(), Some(".id"));
    }

    #[test]
    fn missing_keys_and_items_say_which_side() {
        let left = map(&[("a", 1.into())]);
        let right = map(&[("a", 1.into()), ("b c", 2.into())]);
        let difference = first_difference(&left, &right).unwrap();
        assert_eq!(difference.path, "[\"b c\"]");
        assert!(difference.detail.ends_with("missing on the left"));
        let short: Array = vec![1.into()];
        let long: Array = vec![1.into(), 2.into()];
        assert_eq!(path_of(long.into(), short.into()).as_deref(), Some("[1]"));
    }

    #[test]
    fn json_texts_differ_structurally_or_by_spelling() {
        let a: Dynamic = r#"{"a":1,"b":2}"#.into();
        let b: Dynamic = r#"{"b":2,"a":1}"#.into();
        let c: Dynamic = r#"{"a":1,"b":3}"#.into();
        assert_eq!(path_of(a.clone(), c).as_deref(), Some(".b"));
        let spelling = first_difference(&a, &b).unwrap();
        assert!(spelling.detail.contains("spelt differently"));
    }

    #[test]
    fn values_are_shown_as_json_and_hex() {
        assert_eq!(show(&"hi".into()), "\"hi\"");
        assert_eq!(show(&Dynamic::UNIT), "()");
        let blob: Blob = vec![0xde, 0xad];
        assert_eq!(show(&Dynamic::from_blob(blob)), "blob(2): de ad");
        assert_eq!(show(&map(&[("a", 1.into())])), r#"{"a":1}"#);
    }
}
