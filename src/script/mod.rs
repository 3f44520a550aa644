//! The Rhai side of a console: the engine with every session function
//! registered, the command table, the plain-command shim and diagnostics.
//! The engine runs on the thread that owns the session, never inside the
//! tokio runtime; blocking functions wait in slices and watch the interrupt
//! flag, and `on_progress` stops runaway loops.

mod api;
pub(crate) mod assert;
pub(crate) mod bytes;
pub(crate) mod commands;
mod compare;
pub(crate) mod context;
pub(crate) mod diagnostics;
pub(crate) mod hooks;
mod json;
pub(crate) mod limits;
mod mismatch;
mod options;
mod plain;
pub(crate) mod save;
pub(crate) mod shim;

use std::rc::Rc;

use rhai::{Dynamic, Engine, Scope};

use crate::console::{Line, Role};
use context::Context;

/// The stack of a thread that runs scripts (the command's own, and each of
/// `ws test`'s workers). Rhai walks nested values recursively, when it
/// evaluates them, checks their sizes and drops them, so a script's data
/// nested 100,000 deep needs more than the usual 8 MiB; this is address
/// space reserved, not memory used until it is touched.
pub(crate) const STACK: usize = 256 << 20;

/// A Rhai engine bound to `ctx`: session functions, `print` into the
/// console, and Ctrl+C through the interrupt flag.
pub(crate) fn engine(ctx: &Rc<Context>) -> Engine {
    let mut engine = Engine::new();
    limits::apply(&mut engine, &ctx.settings.limits);
    api::register(&mut engine, ctx);
    let console = ctx.console.clone();
    engine.on_print(move |text| {
        console.emit_all(crate::console::Stream::Out, Line::split(Role::Plain, text))
    });
    let console = ctx.console.clone();
    engine.on_debug(move |text, _, _| {
        console.emit_all(crate::console::Stream::Out, Line::split(Role::Muted, text))
    });
    let interrupt = ctx.interrupt.clone();
    engine.on_progress(move |_| interrupt.is_set().then(|| Dynamic::from("interrupted")));
    engine
}

/// Answers the shim's questions with a real engine and scope.
pub(crate) struct Oracle<'a> {
    pub engine: &'a Engine,
    pub scope: &'a Scope<'static>,
    pub functions: &'a rhai::AST,
}

impl shim::RhaiOracle for Oracle<'_> {
    fn compiles(&self, line: &str) -> bool {
        self.engine.compile_with_scope(self.scope, line).is_ok()
    }

    fn knows(&self, word: &str) -> bool {
        self.scope.contains(word)
            || self.functions.iter_functions().any(|f| f.name == word)
            || is_keyword(self.engine, word)
            || commands::find(word).is_some()
            || commands::find_function(word).is_some()
    }
}

/// Whether Rhai reserves `word` (`let`, `fn`, `print`, `Fn`, …): asked of
/// `engine`'s parser, which refuses a reserved word as a variable name, so
/// no copy of its keyword list can drift. `global` is reserved only before
/// `::`, so it is named.
fn is_keyword(engine: &Engine, word: &str) -> bool {
    let identifier = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier && (word == "global" || engine.compile(format!("let {word} = 1;")).is_err())
}

/// Whether `text` is Rhai cut short (an open block, string or bracket), so
/// the prompt should read another line before evaluating.
pub(crate) fn is_incomplete(text: &str) -> bool {
    opens_more_than_closes(text) && Engine::new_raw().compile(text).is_err()
}

fn opens_more_than_closes(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quote = None;
    let mut escaped = false;
    for ch in text.chars() {
        if let Some(q) = quote {
            match ch {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                c if c == q => quote = None,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' | '`' => quote = Some(ch),
            '{' | '(' | '[' => depth += 1,
            '}' | ')' | ']' => depth -= 1,
            _ => {}
        }
    }
    depth > 0 || quote.is_some()
}

/// Whether an input line should wait for more lines before it runs: Rhai
/// cut short, unless it is a plain command (whose text is taken as typed).
pub(crate) fn needs_more(text: &str) -> bool {
    let first = text
        .trim_start()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or_default();
    let rest = text.trim_start()[first.len()..].trim_start();
    if commands::find(first).is_some() && !rest.starts_with('(') {
        return false;
    }
    is_incomplete(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_input_waits_for_more() {
        assert!(is_incomplete("for i in 0..3 {"));
        assert!(is_incomplete("fn f(x) {\n  x + 1"));
        assert!(is_incomplete("let s = \"abc"));
        assert!(!is_incomplete("for i in 0..3 { text(i) }"));
        assert!(!is_incomplete("let x = ;"));
        assert!(!is_incomplete("}"));
    }

    #[test]
    fn keywords_are_what_rhai_reserves() {
        let engine = Engine::new_raw();
        for word in [
            "let", "fn", "if", "loop", "print", "type_of", "Fn", "this", "global",
        ] {
            assert!(is_keyword(&engine, word), "{word}");
        }
        for word in ["text", "recv", "foo", "x1", "", "1x", "a-b"] {
            assert!(!is_keyword(&engine, word), "{word}");
        }
    }
}
