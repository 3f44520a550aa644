//! The rustyline helper: Tab completion of command and function names and
//! of `help <name>`, highlighting of command names and strings, hints from
//! history, and multi-line input while Rhai code is cut short.

use std::borrow::Cow;

use owo_colors::OwoColorize;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::HistoryHinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper, Hinter};

use crate::script::commands::TABLE;

#[derive(Helper, Hinter, Default)]
pub(crate) struct ReplHelper {
    #[rustyline(Hinter)]
    hinter: HistoryHinter,
}

fn names() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|e| e.name)
}

/// Completions of the word before `pos`: any name at the start of a line,
/// command and function names after `help `.
pub(crate) fn complete(line: &str, pos: usize) -> (usize, Vec<&'static str>) {
    let before = &line[..pos];
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let word = &before[start..];
    let head = before[..start].trim();
    if !(head.is_empty() || head == "help" || head.ends_with([';', '{', '('])) {
        return (start, Vec::new());
    }
    let found = names().filter(|n| n.starts_with(word)).collect();
    (start, found)
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, found) = complete(line, pos);
        let pairs = found
            .into_iter()
            .map(|n| Pair {
                display: n.to_string(),
                replacement: n.to_string(),
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        Cow::Owned(hint.bright_black().to_string())
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        true
    }
}

/// Colours command names (yellow) and quoted strings (green).
fn highlight(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 16);
    let mut chars = line.char_indices().peekable();
    while let Some((i, ch)) = chars.next() {
        if ch == '"' || ch == '\'' || ch == '`' {
            let mut end = line.len();
            for (j, c) in chars.by_ref() {
                if c == ch {
                    end = j + c.len_utf8();
                    break;
                }
            }
            out.push_str(&(&line[i..end]).green().to_string());
        } else if ch.is_alphabetic() || ch == '_' {
            let mut end = i + ch.len_utf8();
            while let Some(&(j, c)) = chars.peek() {
                if !(c.is_alphanumeric() || c == '_') {
                    break;
                }
                end = j + c.len_utf8();
                chars.next();
            }
            let word = &line[i..end];
            if names().any(|n| n == word) {
                out.push_str(&word.yellow().to_string());
            } else {
                out.push_str(word);
            }
        } else {
            out.push(ch);
        }
    }
    out
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        if crate::script::needs_more(ctx.input()) {
            Ok(ValidationResult::Incomplete)
        } else {
            Ok(ValidationResult::Valid(None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_of_names_and_help_topics() {
        assert_eq!(complete("te", 2), (0, vec!["text"]));
        assert_eq!(
            complete("help cl", 7),
            (5, vec!["close", "closed", "close_code", "close_reason"])
        );
        assert_eq!(complete("text he", 7).1, Vec::<&str>::new());
        assert_eq!(complete("let x = 1; rec", 14).1, vec!["recv", "recv_event"]);
    }

    #[test]
    fn highlighting_keeps_the_text() {
        let shown = highlight("text \"hi\" there");
        let plain: String = strip(&shown);
        assert_eq!(plain, "text \"hi\" there");
        assert!(shown.contains("\u{1b}["));
    }

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut escape = false;
        for c in s.chars() {
            match c {
                '\u{1b}' => escape = true,
                'm' if escape => escape = false,
                _ if escape => {}
                _ => out.push(c),
            }
        }
        out
    }
}
