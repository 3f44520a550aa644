//! The assertion functions of every script, the session and `ws test`:
//! `assert(c)`, `assert(c, msg)`, `assert_eq(a, b)`, `assert_ne(a, b)` and
//! `assert_match(text, pattern)`. A failure is a Rhai error whose first line
//! says what failed and whose next lines show both values; the one renderer
//! in `diagnostics` adds file, line and caret. The test runner asks
//! [`take_failure`] whether a failure came from an assertion (or an
//! `expect`, which fails through [`fail`] too) rather than from any other
//! error.

use std::cell::Cell;
use std::rc::Rc;

use rhai::{Blob, Dynamic, Engine};

use super::compare::{first_difference, show};
use super::context::{Context, Fallible};
use super::diagnostics::runtime;

thread_local! {
    /// Set when an assertion fails on this thread (engines run on the
    /// thread that owns their session).
    static FAILED: Cell<bool> = const { Cell::new(false) };
}

/// Whether an assertion failed on this thread since the last call.
pub(crate) fn take_failure() -> bool {
    FAILED.with(|f| f.replace(false))
}

/// A failed check (an assertion, an `expect`): the error, noted for
/// [`take_failure`].
pub(crate) fn fail(message: String) -> Box<rhai::EvalAltResult> {
    FAILED.with(|f| f.set(true));
    runtime(message)
}

/// Registers `assert` (one entry of the command table).
pub(crate) fn register_assert(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("assert", |condition: Dynamic| check(condition, None));
    engine.register_fn("assert", |condition: Dynamic, message: Dynamic| {
        check(condition, Some(message))
    });
}

/// Registers `assert_eq`.
pub(crate) fn register_assert_eq(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("assert_eq", |l: Dynamic, r: Dynamic| assert_eq(l, r, None));
    engine.register_fn("assert_eq", |l: Dynamic, r: Dynamic, m: Dynamic| {
        assert_eq(l, r, Some(m))
    });
}

/// Registers `assert_ne`.
pub(crate) fn register_assert_ne(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("assert_ne", |l: Dynamic, r: Dynamic| assert_ne(l, r, None));
    engine.register_fn("assert_ne", |l: Dynamic, r: Dynamic, m: Dynamic| {
        assert_ne(l, r, Some(m))
    });
}

/// Registers `assert_match`.
pub(crate) fn register_assert_match(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("assert_match", |t: Dynamic, p: &str| {
        assert_match(t, p, None)
    });
    engine.register_fn("assert_match", |t: Dynamic, p: &str, m: Dynamic| {
        assert_match(t, p, Some(m))
    });
}

/// `NAME failed: MESSAGE` when the script gave a message, else `NAME failed: WHAT`.
fn headline(name: &str, message: Option<Dynamic>, what: &str) -> String {
    match message {
        Some(message) => format!("{name} failed: {message}"),
        None => format!("{name} failed: {what}"),
    }
}

fn check(condition: Dynamic, message: Option<Dynamic>) -> Fallible<()> {
    let holds = condition.as_bool().map_err(|kind| {
        runtime(format!(
            "assert expects true or false as its condition, got {}",
            article(kind)
        ))
    })?;
    if holds {
        return Ok(());
    }
    Err(fail(match message {
        Some(message) => format!("assertion failed: {message}"),
        None => "assertion failed".into(),
    }))
}

fn assert_eq(left: Dynamic, right: Dynamic, note: Option<Dynamic>) -> Fallible<()> {
    let Some(difference) = first_difference(&left, &right) else {
        return Ok(());
    };
    let what = match difference.path.is_empty() {
        true => "the values differ".to_string(),
        false => format!("the values differ at {}", difference.path),
    };
    let mut message = headline("assert_eq", note, &what);
    message.push_str(&format!(
        "\n  left:  {}\n  right: {}",
        show(&left),
        show(&right)
    ));
    if !difference.detail.is_empty() {
        let at = match difference.path.is_empty() {
            true => String::new(),
            false => format!(" at {}", difference.path),
        };
        message.push_str(&format!("\n  first difference{at}: {}", difference.detail));
    }
    Err(fail(message))
}

fn assert_ne(left: Dynamic, right: Dynamic, note: Option<Dynamic>) -> Fallible<()> {
    if first_difference(&left, &right).is_some() {
        return Ok(());
    }
    Err(fail(format!(
        "{}\n  left:  {}\n  right: {}",
        headline("assert_ne", note, "both values are equal"),
        show(&left),
        show(&right)
    )))
}

fn assert_match(text: Dynamic, pattern: &str, note: Option<Dynamic>) -> Fallible<()> {
    let regex = regex_lite::Regex::new(pattern).map_err(|e| {
        runtime(format!(
            "assert_match: {pattern:?} is not a valid regular expression ({e})"
        ))
    })?;
    let subject = match text.read_lock::<Blob>() {
        Some(blob) => String::from_utf8_lossy(&blob).into_owned(),
        None => text.to_string(),
    };
    if regex.is_match(&subject) {
        return Ok(());
    }
    Err(fail(format!(
        "{}\n  text:    {}\n  pattern: {pattern}",
        headline("assert_match", note, "the text does not match the pattern"),
        show(&text)
    )))
}

fn article(kind: &str) -> String {
    let kind = match kind {
        "i64" | "i32" => "integer",
        "f64" | "f32" => "float",
        "ImmutableString" | "string" => "string",
        "()" => "unit ()",
        other => other,
    };
    if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {kind}")
    } else {
        format!("a {kind}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(code: &str) -> Result<(), String> {
        let mut engine = Engine::new();
        let ctx = Rc::new(Context::new(
            crate::console::Console::silent(),
            crate::settings::Settings::default(),
            false,
            false,
        ));
        for register in [
            register_assert,
            register_assert_eq,
            register_assert_ne,
            register_assert_match,
        ] {
            register(&mut engine, &ctx);
        }
        engine.run(code).map_err(|e| match *e {
            rhai::EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
            other => other.to_string(),
        })
    }

    #[test]
    fn passing_assertions_pass() {
        run(
            r#"assert(true); assert(1 < 2, "order"); assert_eq(#{a: [1, 2]}, `{"a":[1,2]}`);
               assert_ne("a", "b"); assert_match("hello 42", "^hello \\d+$");"#,
        )
        .unwrap();
        assert!(!take_failure());
    }

    #[test]
    fn failures_show_both_values_and_the_path() {
        let message = run(r#"assert_eq(`{"id":7,"ok":true}`, #{id: 8, ok: true})"#).unwrap_err();
        assert!(take_failure());
        assert_eq!(
            message,
            "assert_eq failed: the values differ at .id\n  left:  {\"id\":7,\"ok\":true} (JSON text)\n  right: {\"id\":8,\"ok\":true}\n  first difference at .id: 7 vs 8"
        );
        let message = run(r#"assert(1 > 2, "one is not more")"#).unwrap_err();
        assert_eq!(message, "assertion failed: one is not more");
        let message = run(r#"assert_ne(1, 1.0)"#).unwrap_err();
        assert!(message.starts_with("assert_ne failed"), "{message}");
        let message = run(r#"assert_eq([1, 2], [1, 3], "the list")"#).unwrap_err();
        assert!(
            message.starts_with("assert_eq failed: the list\n"),
            "{message}"
        );
        assert!(
            message.ends_with("first difference at [1]: 2 vs 3"),
            "{message}"
        );
        let message = run(r#"assert_match("abc", "^b")"#).unwrap_err();
        assert!(message.contains("text:    \"abc\""), "{message}");
    }

    #[test]
    fn misuse_is_an_error_not_a_failure() {
        let message = run(r#"assert("yes")"#).unwrap_err();
        assert_eq!(
            message,
            "assert expects true or false as its condition, got a string"
        );
        assert!(!take_failure());
        let message = run(r#"assert_match("abc", "(")"#).unwrap_err();
        assert!(
            message.contains("not a valid regular expression"),
            "{message}"
        );
    }
}
