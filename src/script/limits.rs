//! The limits Rhai code runs within: the sizes and depths of the settings
//! (`max_string_size`, `max_array_size`, …) set on the engine, and a bound
//! on how deeply nested a value may be to be printed or written as JSON
//! (showing it recurses, and deep enough data would overflow the stack).

use rhai::{Array, Dynamic, Engine, Map};

use super::context::Fallible;
use super::diagnostics::runtime;
use crate::settings::ScriptLimits;

/// How deeply arrays and maps may nest in a value that is printed or
/// written as JSON (JSON parsing stops at the same depth).
pub(crate) const MAX_SHOWN_DEPTH: usize = 128;

/// Sets the limits on the engine and bounds the display of nested data.
pub(crate) fn apply(engine: &mut Engine, limits: &ScriptLimits) {
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_expr_depth);
    // Registered with exact types, these are found before the built-ins.
    // `print` and `debug` refuse data too deep to show; `to_string` and
    // `to_debug` (string interpolation, whose errors Rhai drops) give a
    // placeholder instead.
    for name in ["print", "debug"] {
        engine.register_fn(name, move |a: &mut Array| {
            shown_by(&Dynamic::from_array(a.clone()), name)
        });
        engine.register_fn(name, move |m: &mut Map| {
            shown_by(&Dynamic::from_map(m.clone()), name)
        });
    }
    for name in ["to_string", "to_debug"] {
        engine.register_fn(name, |a: &mut Array| {
            or_placeholder(Dynamic::from_array(a.clone()))
        });
        engine.register_fn(name, |m: &mut Map| {
            or_placeholder(Dynamic::from_map(m.clone()))
        });
    }
}

/// `value` as Rhai prints it, or a placeholder when it nests too deeply.
fn or_placeholder(value: Dynamic) -> String {
    shown(&value).unwrap_or_else(|_| format!("[nested more than {MAX_SHOWN_DEPTH} levels deep]"))
}

/// `value` as Rhai prints it, or an error when it nests too deeply.
pub(crate) fn shown(value: &Dynamic) -> Fallible<String> {
    shown_by(value, "print")
}

/// [`shown`], naming `what` in the error.
fn shown_by(value: &Dynamic, what: &str) -> Fallible<String> {
    check_depth(value, what).map_err(runtime)?;
    Ok(value.to_string())
}

/// Refuses a value whose arrays and maps nest deeper than
/// [`MAX_SHOWN_DEPTH`]; `what` names the function in the error.
pub(crate) fn check_depth(value: &Dynamic, what: &str) -> Result<(), String> {
    refuse_deep(depth_over(value, MAX_SHOWN_DEPTH), what)
}

/// [`check_depth`] for a map, which need not become a [`Dynamic`] first.
pub(crate) fn check_map_depth(map: &Map, what: &str) -> Result<(), String> {
    refuse_deep(nests_past(map.values(), MAX_SHOWN_DEPTH), what)
}

fn refuse_deep(deep: bool, what: &str) -> Result<(), String> {
    if deep {
        return Err(format!(
            "{what}: the value nests arrays or maps more than {MAX_SHOWN_DEPTH} levels deep, too deep to show"
        ));
    }
    Ok(())
}

/// Whether `value` nests deeper than `left` levels (never recursing
/// further than that).
fn depth_over(value: &Dynamic, left: usize) -> bool {
    if let Some(array) = value.read_lock::<Array>() {
        nests_past(array.iter(), left)
    } else if let Some(map) = value.read_lock::<Map>() {
        nests_past(map.values(), left)
    } else {
        false
    }
}

/// Whether any of a value's `children` is an array or a map that nests
/// deeper than `left` levels below them.
fn nests_past<'a>(mut children: impl Iterator<Item = &'a Dynamic>, left: usize) -> bool {
    children.any(|v| (v.is_array() || v.is_map()) && (left == 0 || depth_over(v, left - 1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_bounded() {
        let mut value = Dynamic::from_array(Array::new());
        for _ in 0..MAX_SHOWN_DEPTH {
            value = Dynamic::from_array(vec![value]);
        }
        assert!(shown(&value).is_ok());
        value = Dynamic::from_array(vec![value]);
        let error = shown(&value).unwrap_err().to_string();
        assert!(error.contains("more than 128 levels"), "{error}");
    }
}
