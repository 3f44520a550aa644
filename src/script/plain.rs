//! The plain commands' runners (`text hello`, `close 1003 'bye'`): string
//! arguments from the line, as typed, onto the session's connection. Only
//! here are typed forms honoured: `file@PATH` (in `text`/`byte`),
//! `hex:`/`base64:` (in `byte`) and a close code given as text.

use super::context::{Context, Fallible, ReadFor, file_argument, read_bytes, read_text};
use super::diagnostics::{runtime, to_rhai};
use crate::connection::parse_close_code;

fn arg(args: &[String], i: usize) -> Option<&str> {
    args.get(i).map(String::as_str)
}

fn message<'a>(name: &str, args: &'a [String]) -> Fallible<&'a str> {
    arg(args, 0).ok_or_else(|| {
        runtime(format!(
            "{name} needs a message: {name} message (see help {name})"
        ))
    })
}

pub(crate) fn help(c: &Context, args: &[String]) -> Fallible<()> {
    c.help(arg(args, 0))
}

pub(crate) fn text(c: &Context, args: &[String]) -> Fallible<()> {
    let message = message("text", args)?;
    let connection = c.session()?;
    match file_argument(message) {
        Some(path) => c.text(&connection, &read_text(path, c.limit(ReadFor::Message))?),
        None => c.text(&connection, message),
    }
}

pub(crate) fn byte(c: &Context, args: &[String]) -> Fallible<()> {
    let message = message("byte", args)?;
    let connection = c.session()?;
    if let Some(path) = file_argument(message) {
        return c.send_bytes(&connection, read_bytes(path, c.limit(ReadFor::Message))?);
    }
    match super::bytes::typed(message) {
        Some(bytes) => c.send_bytes(&connection, bytes.map_err(runtime)?),
        None => c.byte(&connection, message.into()),
    }
}

pub(crate) fn ping(c: &Context, args: &[String]) -> Fallible<()> {
    c.ping(&c.session()?, arg(args, 0).unwrap_or("")).map(drop)
}

pub(crate) fn pong(c: &Context, args: &[String]) -> Fallible<()> {
    c.pong(&c.session()?, arg(args, 0).unwrap_or(""))
}

pub(crate) fn close(c: &Context, args: &[String]) -> Fallible<()> {
    let code = match arg(args, 0) {
        Some(code) => parse_close_code(code).map_err(to_rhai)?,
        None => 1000,
    };
    c.close(&c.session()?, code, arg(args, 1).unwrap_or(""))
}

pub(crate) fn quit(c: &Context, _: &[String]) -> Fallible<()> {
    c.close(&c.session()?, 1000, "")
}

/// `emit EVENT DATA` and `rpc METHOD PARAMS`: the first word, and the
/// rest as JSON (or as text when it is not JSON), as typed.
fn name_and_data(name: &str, args: &[String]) -> Fallible<(String, Option<rhai::Dynamic>)> {
    let line = arg(args, 0).unwrap_or_default().trim();
    let (first, rest) = line.split_once(' ').unwrap_or((line, ""));
    if first.is_empty() {
        return Err(runtime(format!("{name} needs a name: see help {name}")));
    }
    let rest = rest.trim();
    let data = (!rest.is_empty())
        .then(|| super::json::parse(rest).unwrap_or_else(|_| rest.to_string().into()));
    Ok((first.to_string(), data))
}

pub(crate) fn emit(c: &Context, args: &[String]) -> Fallible<()> {
    let (event, data) = name_and_data("emit", args)?;
    c.emit(&c.session()?, &event, data)
}

pub(crate) fn rpc(c: &Context, args: &[String]) -> Fallible<()> {
    let (method, params) = name_and_data("rpc", args)?;
    c.rpc(&c.session()?, &method, params, c.setting_wait())
        .map(drop)
}

pub(crate) fn save(c: &Context, args: &[String]) -> Fallible<()> {
    match arg(args, 0) {
        Some(path) => c.save(path),
        None => Err(runtime("save needs a file: save FILE.rhai (see help save)")),
    }
}
