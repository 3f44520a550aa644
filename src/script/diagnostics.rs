//! The one renderer of Rhai failures, for the session and for `ws run`:
//! where it happened (file, line, column), the source line with a caret,
//! and the message. Library errors become Rhai errors in one place too.

use rhai::{Engine, EvalAltResult, ParseError, Position};

use crate::error::Error;

/// The source a diagnostic points into.
pub(crate) struct Source<'a> {
    /// A file name, or `None` for a line typed in the session.
    pub name: Option<&'a str>,
    /// The text that was compiled.
    pub text: &'a str,
}

/// A library error as a catchable Rhai runtime error.
pub(crate) fn to_rhai(error: Error) -> Box<EvalAltResult> {
    match error {
        Error::Interrupted => interrupted(),
        other => EvalAltResult::ErrorRuntime(other.to_string().into(), Position::NONE).into(),
    }
}

/// A Rhai runtime error with this message.
pub(crate) fn runtime(message: impl Into<String>) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(message.into().into(), Position::NONE).into()
}

/// The uncatchable error that stops code on Ctrl+C.
pub(crate) fn interrupted() -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated("interrupted".into(), Position::NONE).into()
}

/// A type name, Rust's or Rhai's, as users say it: `i64` is "an integer".
pub(crate) fn type_phrase(name: &str) -> String {
    let name = name
        .trim()
        .trim_start_matches("&mut ")
        .trim_start_matches('&');
    let short = name.rsplit("::").next().unwrap_or(name);
    let phrase = match short {
        "i64" | "i32" | "INT" | "u16" | "usize" => "an integer",
        "f64" | "f32" | "FLOAT" => "a decimal number",
        "str" | "String" | "ImmutableString" | "string" => "a string",
        "char" => "a character",
        "bool" => "a boolean",
        "()" => "nothing (())",
        "Array" | "array" | "Vec<Dynamic>" => "an array",
        "Map" | "map" => "a map",
        "Blob" | "blob" | "Vec<u8>" => "a blob",
        "Dynamic" => "any value",
        "Fn" | "FnPtr" => "a function pointer",
        "range" | "Range<i64>" => "a range",
        "range=" | "RangeInclusive<i64>" => "an inclusive range",
        "Connection" => "a connection",
        other => return format!("a {other}"),
    };
    phrase.to_string()
}

/// How evaluation ended when it did not end normally.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Ctrl+C or SIGTERM.
    Interrupted,
    /// `exit(n)`.
    Exit(i32),
    /// An error, rendered.
    Failed(String),
}

/// Classifies and renders a Rhai evaluation error; `engine` is asked what
/// a function expects when a call fits none of its signatures.
pub(crate) fn stop(error: &EvalAltResult, source: &Source, engine: &Engine) -> Stop {
    if let EvalAltResult::ErrorTerminated(token, _) = error {
        return match token.as_int() {
            Ok(code) => Stop::Exit(code as i32),
            Err(_) => Stop::Interrupted,
        };
    }
    if let Some(message) = over_limit(innermost(error), engine) {
        return Stop::Failed(render(&message, innermost_position(error), source));
    }
    let message = match error {
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        EvalAltResult::ErrorTooManyOperations(_) => {
            "the script went over its limit of operations (--max-operations)".into()
        }
        EvalAltResult::ErrorFunctionNotFound(signature, position)
            if let Some(text) = super::mismatch::explain(
                engine,
                signature,
                position.line().and_then(|l| source.text.lines().nth(l - 1)),
                *position,
            ) =>
        {
            text
        }
        other => {
            let mut text = other.to_string();
            if let Some(i) = text.rfind(" (line ") {
                text.truncate(i);
            }
            text
        }
    };
    Stop::Failed(render(&message, innermost_position(error), source))
}

/// A limit of the settings that the script went over, said with its name
/// and value (Rhai says only "Length of string too large").
fn over_limit(error: &EvalAltResult, engine: &Engine) -> Option<String> {
    let (setting, what) = match error {
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            let what = what.to_lowercase();
            if what.contains("string") {
                let limit = engine.max_string_size();
                (
                    "max_string_size",
                    format!("a string would be longer than max_string_size ({limit} bytes)"),
                )
            } else if what.contains("map") {
                let limit = engine.max_map_size();
                (
                    "max_map_size",
                    format!("an object map would have more than max_map_size ({limit}) properties"),
                )
            } else {
                let limit = engine.max_array_size();
                (
                    "max_array_size",
                    format!(
                        "an array or blob would be larger than max_array_size ({limit} elements or bytes)"
                    ),
                )
            }
        }
        EvalAltResult::ErrorStackOverflow(_) => {
            let limit = engine.max_call_levels();
            (
                "max_call_levels",
                format!("function calls are nested deeper than max_call_levels ({limit})"),
            )
        }
        _ => return None,
    };
    Some(format!("{what}; {}", raise(setting)))
}

/// How to raise a limit of the settings.
pub(crate) fn raise(setting: &str) -> String {
    let variable = setting.to_uppercase();
    format!("raise it in ws.toml or with WS_{variable}")
}

/// The innermost error (inside function calls).
fn innermost(error: &EvalAltResult) -> &EvalAltResult {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, _) => innermost(inner),
        other => other,
    }
}

/// The position of the innermost error (inside function calls).
fn innermost_position(error: &EvalAltResult) -> Position {
    match error {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, pos) => {
            let inner_pos = innermost_position(inner);
            if inner_pos.is_none() { *pos } else { inner_pos }
        }
        other => other.position(),
    }
}

/// Renders a syntax error.
pub(crate) fn syntax(error: &ParseError, source: &Source) -> String {
    let message = format!("syntax error: {}", error.err_type());
    render(&message, error.position(), source)
}

/// `name:line:column: message`, then the source line and a caret.
fn render(message: &str, position: Position, source: &Source) -> String {
    let Some(name) = source.name else {
        // A typed line: the user sees it right above.
        return message.to_string();
    };
    let (Some(line), column) = (position.line(), position.position()) else {
        return format!("{name}: {message}");
    };
    let column = column.unwrap_or(1);
    // A message's first line goes on top; the rest (an assertion's values)
    // below the caret.
    let (first, details) = match message.split_once('\n') {
        Some((first, rest)) => (first, format!("\n{rest}")),
        None => (message, String::new()),
    };
    let head = format!("{name}:{line}:{column}: {first}");
    let Some(text) = source.text.lines().nth(line - 1) else {
        return format!("{head}{details}");
    };
    let gutter = format!("{line} | ");
    let caret = " ".repeat(gutter.len() + column.saturating_sub(1));
    format!("{head}\n{gutter}{text}\n{caret}^{details}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_runtime_error_names_file_line_and_column() {
        let engine = rhai::Engine::new();
        let text = "let x = 1;\nthrow \"no luck\";\n";
        let error = engine.run(text).unwrap_err();
        let source = Source {
            name: Some("t.rhai"),
            text,
        };
        let Stop::Failed(shown) = stop(&error, &source, &engine) else {
            panic!("not a failure")
        };
        assert!(shown.starts_with("t.rhai:2:1: no luck"), "{shown}");
        assert!(shown.contains("2 | throw \"no luck\";"), "{shown}");
    }

    #[test]
    fn a_syntax_error_points_at_the_spot() {
        let engine = rhai::Engine::new();
        let text = "let x = ;";
        let error = engine.compile(text).unwrap_err();
        let source = Source {
            name: Some("s.rhai"),
            text,
        };
        let shown = syntax(&error, &source);
        assert!(shown.starts_with("s.rhai:1:9: syntax error"), "{shown}");
    }
}
