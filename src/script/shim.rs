//! The dispatch rule of an input line, as a pure function: blank,
//! a plain command with its arguments, Rhai code, or an unknown command.
//! Rhai lexes `'…'` as a character literal, so `close 1003 'bye'` can only be
//! handled here, before Rhai sees the line.

use super::commands::{self, Args};

/// What to do with one input line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Dispatch {
    /// Nothing: prompt again.
    Empty,
    /// Call this command's function with these string arguments.
    Command {
        name: &'static str,
        args: Vec<String>,
    },
    /// The arguments of a plain command are malformed or too many.
    BadArguments(String),
    /// Evaluate as Rhai.
    Rhai,
    /// Neither a command nor Rhai.
    Unknown {
        word: String,
        suggestion: Option<&'static str>,
    },
}

/// What the shim needs to know of Rhai.
pub(crate) trait RhaiOracle {
    /// Whether `line` compiles.
    fn compiles(&self, line: &str) -> bool;
    /// Whether `word` is a variable, function or keyword Rhai knows.
    fn knows(&self, word: &str) -> bool;
}

/// Applies the dispatch rule to one line.
pub(crate) fn dispatch(line: &str, rhai: &dyn RhaiOracle) -> Dispatch {
    let line = line.trim();
    if line.is_empty() {
        return Dispatch::Empty;
    }
    let (word, rest) = split_first_word(line);
    if let Some(spec) = commands::find(word)
        && !(rest.starts_with('(') && rhai.compiles(line))
    {
        return match parse_args(spec.args(), rest) {
            Ok(args) => Dispatch::Command {
                name: spec.name,
                args,
            },
            Err(message) => Dispatch::BadArguments(message),
        };
    }
    let unknown_word = is_identifier(line) && !rhai.knows(line);
    if !unknown_word && rhai.compiles(line) {
        return Dispatch::Rhai;
    }
    if is_identifier(word) && !rhai.knows(word) {
        return Dispatch::Unknown {
            word: word.to_string(),
            suggestion: commands::suggest(word),
        };
    }
    Dispatch::Rhai
}

/// The first word (letters, digits, `_`) and the rest, trimmed at its start.
fn split_first_word(line: &str) -> (&str, &str) {
    let end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(line.len());
    (&line[..end], line[end..].trim_start())
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Splits a plain command's arguments by its style.
pub(crate) fn parse_args(style: Args, rest: &str) -> Result<Vec<String>, String> {
    match style {
        Args::Verbatim if rest.is_empty() => Ok(Vec::new()),
        Args::Verbatim => Ok(vec![unquote(rest).to_string()]),
        Args::Split(max) => {
            let words =
                shell_words::split(rest).map_err(|_| format!("Unterminated quote in: {rest}"))?;
            match words.get(max) {
                Some(extra) => Err(format!("Unknown argument: {extra}")),
                None => Ok(words),
            }
        }
    }
}

/// Drops one pair of matching quotes around the whole text.
fn unquote(text: &str) -> &str {
    for quote in ['\'', '"'] {
        if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
            return &text[1..text.len() - 1];
        }
    }
    text
}

/// Runs the dispatch rule and both argument styles on `line`, with a bare
/// Rhai engine as the oracle: the entry point of the line-parser fuzz target.
pub(crate) fn fuzz_line(line: &str) {
    struct Bare(rhai::Engine);
    impl RhaiOracle for Bare {
        fn compiles(&self, line: &str) -> bool {
            self.0.compile(line).is_ok()
        }
        fn knows(&self, word: &str) -> bool {
            matches!(word, "let" | "print" | "for" | "if")
        }
    }
    let _ = dispatch(line, &Bare(rhai::Engine::new_raw()));
    let (_, rest) = split_first_word(line.trim());
    let _ = parse_args(Args::Verbatim, rest);
    let _ = parse_args(Args::Split(2), rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for the engine: knows a few words, and "compiles" lines
    /// that a real Rhai engine would (checked in the session tests).
    struct Oracle;

    impl RhaiOracle for Oracle {
        fn compiles(&self, line: &str) -> bool {
            let rhai = rhai::Engine::new();
            rhai.compile(line).is_ok()
        }
        fn knows(&self, word: &str) -> bool {
            ["x", "print", "let", "for"].contains(&word)
        }
    }

    fn command(name: &'static str, args: &[&str]) -> Dispatch {
        Dispatch::Command {
            name,
            args: args.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_dispatch_table() {
        let cases = [
            ("", Dispatch::Empty),
            ("   ", Dispatch::Empty),
            ("text hello world", command("text", &["hello world"])),
            ("text 'hello world'", command("text", &["hello world"])),
            ("text \"hello world\"", command("text", &["hello world"])),
            ("text {\"id\": 1}", command("text", &["{\"id\": 1}"])),
            ("text", command("text", &[])),
            ("text (hi there)", command("text", &["(hi there)"])),
            ("ping", command("ping", &[])),
            ("ping hello", command("ping", &["hello"])),
            ("quit", command("quit", &[])),
            (
                "close 1003 'received unknown data'",
                command("close", &["1003", "received unknown data"]),
            ),
            ("help close", command("help", &["close"])),
            ("text(\"x\"); recv()", Dispatch::Rhai),
            ("ping()", Dispatch::Rhai),
            ("for i in 0..3 { text(\"n\" + i) }", Dispatch::Rhai),
            ("let x = 5", Dispatch::Rhai),
            ("1 + 2", Dispatch::Rhai),
            ("x", Dispatch::Rhai),
            (
                "foo bar",
                Dispatch::Unknown {
                    word: "foo".into(),
                    suggestion: None,
                },
            ),
            (
                "txt hello",
                Dispatch::Unknown {
                    word: "txt".into(),
                    suggestion: Some("text"),
                },
            ),
            (
                "foo",
                Dispatch::Unknown {
                    word: "foo".into(),
                    suggestion: None,
                },
            ),
            (
                "close 1000 bye extra",
                Dispatch::BadArguments("Unknown argument: extra".into()),
            ),
            (
                "quit now",
                Dispatch::BadArguments("Unknown argument: now".into()),
            ),
            (
                "ping 'open",
                Dispatch::BadArguments("Unterminated quote in: 'open".into()),
            ),
        ];
        for (line, want) in cases {
            assert_eq!(dispatch(line, &Oracle), want, "line: {line:?}");
        }
    }

    #[test]
    fn argument_splitting() {
        assert_eq!(
            parse_args(Args::Split(2), r#"1000 "a b""#).unwrap(),
            ["1000", "a b"]
        );
        assert_eq!(parse_args(Args::Split(2), r"a\ b").unwrap(), ["a b"]);
        assert_eq!(parse_args(Args::Verbatim, "'a' b'").unwrap(), ["a' b"]);
        assert_eq!(parse_args(Args::Verbatim, "'").unwrap(), ["'"]);
        assert_eq!(parse_args(Args::Verbatim, "  x  ").unwrap(), ["  x  "]);
    }
}
