//! What runs after every connection of the session's URL, the first one
//! included (`--reconnect` makes more): the `--preamble FILE.rhai` script,
//! in a scope of its own, and its own `on_connect()` when it defines one;
//! then the script's `on_connect()` function when it defines one. The connection counts its connections; each is greeted
//! once, at the first session function called on it (so a `recv` that
//! waits on a new connection greets it first), or by the interactive
//! session at its prompt (see [`crate::session::Session::greet`]).

use rhai::{AST, CallFnOptions, Dynamic, Engine, EvalAltResult, NativeCallContext, Scope};

use super::context::{Context, Fallible};
use super::diagnostics::{self, Source, runtime};
use crate::connection::{Connection, Preamble};
use crate::error::{Error, Result};

/// The name of the function run after every connection.
pub(crate) const ON_CONNECT: &str = "on_connect";

/// A `.rhai` preamble, compiled.
pub(crate) struct ScriptPreamble {
    pub name: String,
    pub text: String,
    pub ast: AST,
}

/// Compiles the preamble of `settings` when it is a script (a syntax
/// error is reported with its position before anything is sent).
pub(crate) fn compile(
    engine: &Engine,
    preamble: Option<&Preamble>,
) -> Result<Option<ScriptPreamble>> {
    let Some(Preamble::Script { path, text }) = preamble else {
        return Ok(None);
    };
    let name = path.display().to_string();
    let source = Source {
        name: Some(&name),
        text,
    };
    let ast = engine
        .compile(text)
        .map_err(|e| Error::Script(diagnostics::syntax(&e, &source)))?;
    Ok(Some(ScriptPreamble {
        name: name.clone(),
        text: text.clone(),
        ast,
    }))
}

/// Whether `connection` has a connection not greeted yet; marks it
/// greeted.
pub(crate) fn due(ctx: &Context, connection: &Connection) -> bool {
    let now = connection.connections();
    if now <= ctx.greeted.get() {
        return false;
    }
    ctx.greeted.set(now);
    true
}

/// Greets a new connection from inside a running script: the preamble,
/// then `on_connect()` if the script defines it.
pub(crate) fn greet(
    ctx: &Context,
    call: &NativeCallContext,
    connection: &Connection,
) -> Fallible<()> {
    if !due(ctx, connection) {
        return Ok(());
    }
    if let Some(preamble) = ctx.preamble.get() {
        run_preamble(call.engine(), preamble)
            .map_err(|e| runtime(format!("the preamble {} failed: {e}", preamble.name)))?;
    }
    match call.call_fn::<Dynamic>(ON_CONNECT, ()) {
        Ok(_) => Ok(()),
        Err(e) if undefined(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Runs a `.rhai` preamble: its code, then its own `on_connect()` when it
/// defines one (in the same scope, so it sees the preamble's variables).
pub(crate) fn run_preamble(
    engine: &Engine,
    preamble: &ScriptPreamble,
) -> std::result::Result<(), Box<EvalAltResult>> {
    let mut scope = Scope::new();
    engine.run_ast_with_scope(&mut scope, &preamble.ast)?;
    let defines = preamble
        .ast
        .iter_functions()
        .any(|f| f.name == ON_CONNECT && f.params.is_empty());
    if defines {
        let options = CallFnOptions::new().eval_ast(false);
        let _: Dynamic =
            engine.call_fn_with_options(options, &mut scope, &preamble.ast, ON_CONNECT, ())?;
    }
    Ok(())
}

/// Whether the error says that `on_connect()` is not defined.
fn undefined(error: &EvalAltResult) -> bool {
    matches!(error, EvalAltResult::ErrorFunctionNotFound(signature, _)
        if signature.split_whitespace().next() == Some(ON_CONNECT))
}
