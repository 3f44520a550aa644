//! What runs after every connection of the session's URL, the first one
//! included (`--reconnect` makes more): the `--preamble FILE.rhai` script,
//! in a scope of its own, then the script's `on_connect()` function when
//! it defines one. The connection counts its connections; each is greeted
//! once, at the first session function called on it (so a `recv` that
//! waits on a new connection greets it first), or by the interactive
//! session at its prompt (see [`crate::session::Session::greet`]).

use rhai::{AST, Dynamic, Engine, EvalAltResult, NativeCallContext};

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
        call.engine()
            .run_ast(&preamble.ast)
            .map_err(|e| runtime(format!("the preamble {} failed: {e}", preamble.name)))?;
    }
    match call.call_fn::<Dynamic>(ON_CONNECT, ()) {
        Ok(_) => Ok(()),
        Err(e) if undefined(&e) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether the error says that `on_connect()` is not defined.
fn undefined(error: &EvalAltResult) -> bool {
    matches!(error, EvalAltResult::ErrorFunctionNotFound(signature, _)
        if signature.split_whitespace().next() == Some(ON_CONNECT))
}
