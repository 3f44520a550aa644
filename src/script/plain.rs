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

pub(crate) fn save(c: &Context, args: &[String]) -> Fallible<()> {
    match arg(args, 0) {
        Some(path) => c.save(path),
        None => Err(runtime("save needs a file: save FILE.rhai (see help save)")),
    }
}
