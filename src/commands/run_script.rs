//! `ws run SCRIPT [URL] [-- ARGS…]`: compile first (nothing is sent on a
//! syntax error), connect, run, close every connection. Exit 0 when the
//! script ends, 1 when it throws, n on `exit(n)`, 130 on Ctrl+C or SIGTERM
//! (every open connection closed with 1001).

use rhai::{Array, Dynamic};

use crate::cli::RunArgs;
use crate::console::Console;
use crate::error::{Error, Result};
use crate::session::Session;

pub(crate) fn run(args: RunArgs) -> Result<i32> {
    let (name, text) = super::read_script(&args.script)?;
    let (settings, options) = super::client_settings(
        &args.connect,
        Some(&args.stay),
        &[],
        args.terminal_width.as_deref(),
    )?;
    let console = Console::stdio();
    console.set_quiet(args.quiet);
    super::attach_transcript(&console, &args.file, &settings)?;
    let result = run_with(&args, &name, &text, settings, options, console.clone());
    super::record(&console, &result);
    console.finish();
    result
}

fn run_with(
    args: &RunArgs,
    name: &str,
    text: &str,
    settings: crate::settings::Settings,
    options: crate::connection::ConnectOptions,
    console: Console,
) -> Result<i32> {
    let mut builder = Session::builder()
        .settings(settings)
        .connect_options(options)
        .console(console)
        .json(args.json)
        .verbose(args.verbose);
    // Compile before connecting: a syntax error sends nothing.
    let mut probe = Session::builder().console(Console::silent()).build()?;
    add_args(&mut probe, &args.args);
    probe.compile(name, text)?;
    if let Some(url) = &args.url {
        builder = builder.url(url.clone());
    }
    // Handlers first: Ctrl+C or SIGTERM during the connect ends it too.
    let mut session = builder.interrupt(crate::signals::interrupt()).build()?;
    add_args(&mut session, &args.args);
    if let Some(limit) = args.max_operations {
        session.engine_mut().set_max_operations(limit);
    }
    let ast = session.compile(name, text)?;
    let result = session.run_compiled(name, text, ast);
    let code = if matches!(result, Err(Error::Interrupted)) {
        1001
    } else {
        1000
    };
    session.close_all(code);
    result.map(|()| 0)
}

fn add_args(session: &mut Session, args: &[String]) {
    let array: Array = args.iter().cloned().map(Dynamic::from).collect();
    session.scope_mut().push_constant("ARGS", array);
}
