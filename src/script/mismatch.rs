//! A call whose arguments fit no registered function, explained: the
//! function, the argument and the type it expects, with a fix when there is
//! an obvious one (`text expects a string, got an integer: use
//! text(42.to_string())`). The expected types are looked up in the engine's
//! own signatures, so this follows whatever is registered.

use rhai::{Engine, Position};

use super::diagnostics::type_phrase;

/// The explanation of Rhai's `Function not found: name (types)` for a
/// function that exists with other parameters; `None` when no function of
/// that name is registered. `line` is the source line of the call, if known.
pub(crate) fn explain(
    engine: &Engine,
    signature: &str,
    line: Option<&str>,
    position: Position,
) -> Option<String> {
    let (name, given) = split_call(signature)?;
    let candidates: Vec<Vec<String>> = engine
        .gen_fn_signatures(false)
        .iter()
        .filter_map(|s| parameters(s, name))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let method = given.first().is_some_and(|g| is_receiver(g));
    let skip = usize::from(method);
    let fitting: Vec<&[String]> = candidates
        .iter()
        .filter(|params| params.first().is_some_and(|p| p.starts_with("&mut ")) == method)
        .map(|params| &params[skip..])
        .collect();
    let given = &given[skip..];
    let help = if super::commands::has_help(name) {
        format!(": see help {name}")
    } else {
        String::new()
    };
    let same_arity: Vec<&[String]> = fitting
        .iter()
        .copied()
        .filter(|p| p.len() == given.len())
        .collect();
    if same_arity.is_empty() {
        let mut counts: Vec<usize> = fitting.iter().map(|p| p.len()).collect();
        counts.sort_unstable();
        counts.dedup();
        let counts: Vec<String> = counts.iter().map(usize::to_string).collect();
        return Some(format!(
            "{name} takes {} argument(s), got {}{help}",
            counts.join(" or "),
            given.len()
        ));
    }
    let (index, expected) = first_misfit(&same_arity, given)?;
    let got = type_phrase(&given[index]);
    let which = match given.len() {
        1 => String::new(),
        _ => format!(" as argument {}", index + 1),
    };
    let fix = if expected.contains(&"a string".to_string()) {
        let mut args = line
            .and_then(|l| arguments_text(l, name, position))
            .filter(|args| args.len() == given.len())
            .unwrap_or_else(|| vec!["x".into(); given.len()]);
        args[index] = to_string_call(&args[index]);
        format!(": use {name}({})", args.join(", "))
    } else {
        help
    };
    Some(format!(
        "{name} expects {}{which}, got {got}{fix}",
        expected.join(" or ")
    ))
}

/// `text (i64, &str | ImmutableString | String)` → `text`, [`i64`, `&str`].
fn split_call(signature: &str) -> Option<(&str, Vec<String>)> {
    let (name, rest) = signature.split_once(" (")?;
    let inner = rest.strip_suffix(')')?;
    let given = split_top(inner)
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(|t| t.split(" | ").next().unwrap_or(&t).trim().to_string())
        .collect();
    Some((name.trim(), given))
}

/// The parameter types of a signature `name(_: a, _: b) -> r` of `name`.
fn parameters(signature: &str, name: &str) -> Option<Vec<String>> {
    let rest = signature.strip_prefix(name)?.strip_prefix('(')?;
    let inner = rest.split(") -> ").next()?.trim_end_matches(')');
    Some(
        split_top(inner)
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.trim_start_matches("_: ").trim().to_string())
            .collect(),
    )
}

/// Splits at commas outside `<…>`, `(…)` and `[…]`.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(last) = parts.last_mut() {
            last.push(c);
        }
    }
    parts.iter().map(|p| p.trim().to_string()).collect()
}

fn is_receiver(given: &str) -> bool {
    type_phrase(given) == "a connection"
}

/// The first argument no candidate accepts, with what they accept there.
fn first_misfit(candidates: &[&[String]], given: &[String]) -> Option<(usize, Vec<String>)> {
    for (index, got) in given.iter().enumerate() {
        let mut expected: Vec<String> = Vec::new();
        for params in candidates {
            let phrase = type_phrase(&params[index]);
            if !expected.contains(&phrase) {
                expected.push(phrase);
            }
        }
        expected.sort();
        let got = type_phrase(got);
        if !expected.iter().any(|e| *e == got || e == "any value") {
            return Some((index, expected));
        }
    }
    None
}

/// `arg.to_string()`, with parentheses around an expression.
fn to_string_call(arg: &str) -> String {
    let simple = arg
        .chars()
        .all(|c| c.is_alphanumeric() || "_.\"".contains(c));
    if simple {
        format!("{arg}.to_string()")
    } else {
        format!("({arg}).to_string()")
    }
}

/// The source text of the arguments of the call of `name` at `position`.
fn arguments_text(line: &str, name: &str, position: Position) -> Option<Vec<String>> {
    let start = position.position().unwrap_or(1).saturating_sub(1);
    let tail: String = line.chars().skip(start).collect();
    let open = tail.find(&format!("{name}("))? + name.len() + 1;
    let mut depth = 0i32;
    let mut end = None;
    for (i, c) in tail[open..].char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' if depth == 0 => {
                end = Some(open + i);
                break;
            }
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    Some(split_top(&tail[open..end?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let mut engine = Engine::new();
        engine.register_fn("text", |_: &str| ());
        engine.register_fn("close", |_: i64| ());
        engine.register_fn("close", |_: i64, _: &str| ());
        engine
    }

    fn explained(code: &str) -> String {
        let engine = engine();
        let error = engine.run(code).unwrap_err();
        let rhai::EvalAltResult::ErrorFunctionNotFound(signature, position) = *error else {
            panic!("{error}")
        };
        explain(&engine, &signature, Some(code), position).unwrap()
    }

    #[test]
    fn a_wrong_type_names_function_argument_and_fix() {
        assert_eq!(
            explained("text(42)"),
            "text expects a string, got an integer: use text(42.to_string())"
        );
        assert_eq!(
            explained("let x = 1; text(x + 1)"),
            "text expects a string, got an integer: use text((x + 1).to_string())"
        );
        assert_eq!(
            explained("close(\"x\", \"y\")"),
            "close expects an integer as argument 1, got a string: see help close"
        );
        assert_eq!(
            explained("close(1, 2)"),
            "close expects a string as argument 2, got an integer: use close(1, 2.to_string())"
        );
    }

    #[test]
    fn a_wrong_count_says_how_many() {
        assert_eq!(
            explained("close(1, \"a\", 3)"),
            "close takes 1 or 2 argument(s), got 3: see help close"
        );
    }

    #[test]
    fn an_unknown_function_is_left_to_rhai() {
        let engine = engine();
        assert_eq!(explain(&engine, "nope (i64)", None, Position::NONE), None);
    }
}
