//! Binds the session functions to Rhai names, one registration function per
//! name for the command table ([`super::commands::TABLE`]): each connection
//! function once on the session's connection (`text("hi")`) and once as a
//! method of a handle from `connect` (`c.text("hi")`), plus the functions
//! that need no connection.

use std::rc::Rc;

use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::context::{Context, Fallible, Greet, ReadFor, Wait};
use super::diagnostics::runtime;
use super::options::seconds;
use crate::connection::{Connection, check_close_code};

/// Registers `name` twice: bound to the session's connection, and as a
/// method of `Connection`. `$conn` names the connection in the body. On
/// the session's connection a new connection (`--reconnect`) is greeted
/// first (see [`super::hooks`]); with `; $greet` the body gets the
/// greeting to run itself (a wait that may outlast a reconnection).
macro_rules! bind {
    ($engine:expr, $ctx:expr, $name:literal, |$c:ident, $conn:ident; $greet:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let ctx = Rc::clone(&$ctx);
        $engine.register_fn($name, move |call: NativeCallContext $(, $arg: $ty)*| {
            let $c: &Context = &ctx;
            let $conn = &$c.session()?;
            let greet = || super::hooks::greet($c, &call, $conn);
            let $greet: Greet<'_> = Some(&greet);
            $body
        });
        let ctx = Rc::clone(&$ctx);
        $engine.register_fn($name, move |handle: &mut Connection $(, $arg: $ty)*| {
            let $c: &Context = &ctx;
            let $conn: &Connection = handle;
            let $greet: Greet<'_> = None;
            $body
        });
    }};
    ($engine:expr, $ctx:expr, $name:literal, |$c:ident, $conn:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let ctx = Rc::clone(&$ctx);
        $engine.register_fn($name, move |call: NativeCallContext $(, $arg: $ty)*| {
            let $c: &Context = &ctx;
            let $conn = &$c.session()?;
            super::hooks::greet($c, &call, $conn)?;
            $body
        });
        let ctx = Rc::clone(&$ctx);
        $engine.register_fn($name, move |handle: &mut Connection $(, $arg: $ty)*| {
            let $c: &Context = &ctx;
            let $conn: &Connection = handle;
            $body
        });
    }};
}

/// Registers every function of the command table on `engine`.
pub(crate) fn register(engine: &mut Engine, ctx: &Rc<Context>) {
    engine.register_type_with_name::<Connection>("Connection");
    for entry in super::commands::TABLE {
        (entry.register)(engine, ctx);
    }
}

/// A function of Rhai's own (like `print`): documented, not registered.
pub(crate) fn built_in(_: &mut Engine, _: &Rc<Context>) {}

pub(crate) fn text(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "text", |c, conn, message: &str| c
        .text(conn, message));
}

pub(crate) fn byte(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "byte", |c, conn, payload: Dynamic| c
        .byte(conn, payload));
}

pub(crate) fn send(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "send", |c, conn, value: Dynamic| c
        .send(conn, value));
}

pub(crate) fn ping(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "ping", |c, conn| c.ping(conn, ""));
    bind!(engine, ctx, "ping", |c, conn, payload: &str| c
        .ping(conn, payload));
}

pub(crate) fn pong(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "pong", |c, conn| c.pong(conn, ""));
    bind!(engine, ctx, "pong", |c, conn, payload: &str| c
        .pong(conn, payload));
}

pub(crate) fn close(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "close", |c, conn| c.close(conn, 1000, ""));
    bind!(engine, ctx, "close", |c, conn, code: rhai::INT| c.close(
        conn,
        close_code(code)?,
        ""
    ));
    bind!(
        engine,
        ctx,
        "close",
        |c, conn, code: rhai::INT, reason: &str| c.close(conn, close_code(code)?, reason)
    );
}

pub(crate) fn quit(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "quit", |c, conn| c.close(conn, 1000, ""));
}

pub(crate) fn save(engine: &mut Engine, ctx: &Rc<Context>) {
    let c = Rc::clone(ctx);
    engine.register_fn("save", move |path: &str| c.save(path));
}

pub(crate) fn recv(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "recv", |c, conn; greet| c.recv(
        conn,
        c.setting_wait(),
        greet
    ));
    bind!(engine, ctx, "recv", |c, conn; greet, limit: Dynamic| c.recv(
        conn,
        given_wait(&limit, "recv")?,
        greet
    ));
}

pub(crate) fn expect(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "expect", |c, conn; greet, pattern: &str| c.expect(
        conn,
        pattern,
        c.setting_wait(),
        greet
    ));
    bind!(
        engine,
        ctx,
        "expect",
        |c, conn; greet, pattern: &str, limit: Dynamic| c.expect(
            conn,
            pattern,
            given_wait(&limit, "expect")?,
            greet
        )
    );
}

pub(crate) fn url(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "url", |_c, conn| Ok::<
        _,
        Box<rhai::EvalAltResult>,
    >(conn.url().to_string()));
}

pub(crate) fn closed(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "closed", |_c, conn| Ok::<
        _,
        Box<rhai::EvalAltResult>,
    >(
        conn.close_info().is_some()
    ));
}

pub(crate) fn close_code_of(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "close_code", |_c, conn| Ok::<
        _,
        Box<rhai::EvalAltResult>,
    >(
        conn.close_info()
            .map_or(Dynamic::UNIT, |i| (i.code as rhai::INT).into())
    ));
}

pub(crate) fn close_reason(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "close_reason", |_c, conn| Ok::<
        _,
        Box<rhai::EvalAltResult>,
    >(
        conn.close_info().map_or(Dynamic::UNIT, |i| i.reason.into())
    ));
}

pub(crate) fn sleep(engine: &mut Engine, ctx: &Rc<Context>) {
    let c = Rc::clone(ctx);
    engine.register_fn("sleep", move |limit: rhai::INT| -> Fallible<()> {
        c.sleep(seconds(&limit.into(), "sleep")?)
    });
    let c = Rc::clone(ctx);
    engine.register_fn("sleep", move |limit: rhai::FLOAT| -> Fallible<()> {
        c.sleep(seconds(&limit.into(), "sleep")?)
    });
}

pub(crate) fn connect(engine: &mut Engine, ctx: &Rc<Context>) {
    let c = Rc::clone(ctx);
    engine.register_fn("connect", move |url: &str| c.connect(url, None));
    let c = Rc::clone(ctx);
    engine.register_fn("connect", move |url: &str, options: Map| {
        c.connect(url, Some(options))
    });
}

pub(crate) fn help(engine: &mut Engine, ctx: &Rc<Context>) {
    let c = Rc::clone(ctx);
    engine.register_fn("help", move || c.help(None));
    let c = Rc::clone(ctx);
    engine.register_fn("help", move |name: &str| c.help(Some(name)));
}

pub(crate) fn read_file(engine: &mut Engine, ctx: &Rc<Context>) {
    let limit = ctx.limit(ReadFor::Text);
    engine.register_fn("read_file", move |path: &str| {
        super::context::read_text(path, limit)
    });
}

pub(crate) fn read_blob(engine: &mut Engine, ctx: &Rc<Context>) {
    let limit = ctx.limit(ReadFor::Blob);
    engine.register_fn("read_blob", move |path: &str| {
        super::context::read_bytes(path, limit).map(Dynamic::from_blob)
    });
}

pub(crate) fn parse_json(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("parse_json", |text: &str| {
        super::json::parse(text).map_err(runtime)
    });
}

pub(crate) fn to_json(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("to_json", |value: Dynamic| {
        super::json::stringify(&value).map_err(runtime)
    });
    // Found before Rhai's own `to_json` of a map, which recurses without
    // a bound on depth.
    engine.register_fn("to_json", |map: &mut rhai::Map| {
        super::json::stringify_map(map).map_err(runtime)
    });
}

pub(crate) fn from_hex(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("from_hex", |text: &str| {
        super::bytes::from_hex(text).map_err(runtime)
    });
}

pub(crate) fn to_hex(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("to_hex", |bytes: rhai::Blob| super::bytes::to_hex(&bytes));
}

pub(crate) fn from_base64(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("from_base64", |text: &str| {
        super::bytes::from_base64(text).map_err(runtime)
    });
}

pub(crate) fn to_base64(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("to_base64", |bytes: rhai::Blob| {
        super::bytes::to_base64(&bytes)
    });
}

pub(crate) fn exit(engine: &mut Engine, _: &Rc<Context>) {
    engine.register_fn("exit", |code: rhai::INT| -> Fallible<()> {
        if !(0..=255).contains(&code) {
            return Err(runtime(format!(
                "exit expects a status from 0 to 255, got {code}"
            )));
        }
        Err(rhai::EvalAltResult::ErrorTerminated(code.into(), rhai::Position::NONE).into())
    });
}

pub(crate) fn emit(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "emit", |c, conn, event: &str| c
        .emit(conn, event, None));
    bind!(
        engine,
        ctx,
        "emit",
        |c, conn, event: &str, data: Dynamic| c.emit(conn, event, Some(data))
    );
}

pub(crate) fn emit_with_ack(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(
        engine,
        ctx,
        "emit_with_ack",
        |c, conn, event: &str, data: Dynamic| c.emit_with_ack(conn, event, data, c.setting_wait())
    );
    bind!(
        engine,
        ctx,
        "emit_with_ack",
        |c, conn, event: &str, data: Dynamic, limit: Dynamic| c.emit_with_ack(
            conn,
            event,
            data,
            given_wait(&limit, "emit_with_ack")?
        )
    );
}

pub(crate) fn recv_event(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "recv_event", |c, conn, name: &str| c
        .recv_event(conn, name, c.setting_wait()));
    bind!(
        engine,
        ctx,
        "recv_event",
        |c, conn, name: &str, limit: Dynamic| c.recv_event(
            conn,
            name,
            given_wait(&limit, "recv_event")?
        )
    );
}

pub(crate) fn subscribe(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "subscribe", |c, conn, query: &str| c
        .subscribe(conn, query, None));
    bind!(
        engine,
        ctx,
        "subscribe",
        |c, conn, query: &str, variables: Dynamic| c.subscribe(conn, query, Some(variables))
    );
}

pub(crate) fn next_result(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "next_result", |c, conn, id: &str| c
        .next_result(conn, id, c.setting_wait()));
    bind!(
        engine,
        ctx,
        "next_result",
        |c, conn, id: &str, limit: Dynamic| c.next_result(
            conn,
            id,
            given_wait(&limit, "next_result")?
        )
    );
}

pub(crate) fn complete(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "complete", |c, conn, id: &str| c
        .complete(conn, id));
}

pub(crate) fn query(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "query", |c, conn, query: &str| c.query(
        conn,
        query,
        None,
        c.setting_wait()
    ));
    bind!(
        engine,
        ctx,
        "query",
        |c, conn, query: &str, variables: Dynamic| c.query(
            conn,
            query,
            Some(variables),
            c.setting_wait()
        )
    );
    bind!(
        engine,
        ctx,
        "query",
        |c, conn, query: &str, variables: Dynamic, limit: Dynamic| c.query(
            conn,
            query,
            Some(variables),
            given_wait(&limit, "query")?
        )
    );
}

pub(crate) fn stomp_subscribe(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(
        engine,
        ctx,
        "stomp_subscribe",
        |c, conn, destination: &str| c.stomp_subscribe(conn, destination, "auto")
    );
    bind!(
        engine,
        ctx,
        "stomp_subscribe",
        |c, conn, destination: &str, ack: &str| c.stomp_subscribe(conn, destination, ack)
    );
}

pub(crate) fn stomp_send(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(
        engine,
        ctx,
        "stomp_send",
        |c, conn, destination: &str, body: &str| c.stomp_send(conn, destination, body, Map::new())
    );
    bind!(
        engine,
        ctx,
        "stomp_send",
        |c, conn, destination: &str, body: &str, headers: Map| c.stomp_send(
            conn,
            destination,
            body,
            headers
        )
    );
}

pub(crate) fn ack(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "ack", |c, conn, message: Dynamic| c
        .ack(conn, message));
}

pub(crate) fn rpc(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "rpc", |c, conn, method: &str| c.rpc(
        conn,
        method,
        None,
        c.setting_wait()
    ));
    bind!(
        engine,
        ctx,
        "rpc",
        |c, conn, method: &str, params: Dynamic| c.rpc(
            conn,
            method,
            Some(params),
            c.setting_wait()
        )
    );
    bind!(
        engine,
        ctx,
        "rpc",
        |c, conn, method: &str, params: Dynamic, limit: Dynamic| c.rpc(
            conn,
            method,
            Some(params),
            given_wait(&limit, "rpc")?
        )
    );
}

pub(crate) fn rpc_notify(engine: &mut Engine, ctx: &Rc<Context>) {
    bind!(engine, ctx, "rpc_notify", |c, conn, method: &str| c
        .rpc_notify(conn, method, None));
    bind!(
        engine,
        ctx,
        "rpc_notify",
        |c, conn, method: &str, params: Dynamic| c.rpc_notify(conn, method, Some(params))
    );
}

fn given_wait(limit: &Dynamic, function: &str) -> Fallible<Wait> {
    Ok(Wait {
        limit: Some(seconds(limit, function)?),
        given: true,
    })
}

fn close_code(code: rhai::INT) -> Fallible<u16> {
    let code = u16::try_from(code).map_err(|_| {
        runtime(format!(
            "{code} is not a close code that may be sent; use 1000-1003, 1007-1014 or 3000-4999"
        ))
    })?;
    check_close_code(code).map_err(super::diagnostics::to_rhai)?;
    Ok(code)
}
