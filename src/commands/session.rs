//! `ws session`: the interactive console, on a URL or on an echo server
//! started for it.

use std::path::Path;

use crate::cli::SessionArgs;
use crate::console::{Console, Role};
use crate::error::{Error, Result};
use crate::session::Session;

pub(crate) fn run(args: SessionArgs) -> Result<i32> {
    let (settings, options) =
        super::client_settings(&args.connect, args.terminal_width.as_deref())?;
    let console = Console::stdio();
    let url = match args.url {
        Some(url) => url,
        None => {
            let address = crate::server::spawn_local()?;
            let url = format!("ws://{address}/");
            console.say(
                Role::Info,
                format!("No URL given: started an echo server on {url}"),
            );
            url
        }
    };
    super::attach_transcript(&console, &args.file, &settings)?;
    let mut session = Session::builder()
        .url(url)
        .connect_options(options)
        .settings(settings)
        .console(console.clone())
        .json(args.json)
        .interactive(true)
        .build()
        .inspect_err(|_| console.finish())?;
    if let Some(path) = &args.script {
        run_startup_script(&mut session, path)?;
    }
    Ok(session.repl())
}

/// `--script FILE`: runs the file first; its variables and functions stay.
fn run_startup_script(session: &mut Session, path: &Path) -> Result<()> {
    let (name, text) = super::read_script(path)?;
    match session.run_script(&name, &text) {
        Ok(()) => Ok(()),
        Err(Error::Script(message)) => {
            session.console().emit_all(
                crate::console::Stream::Err,
                crate::console::Line::split(Role::Error, &message),
            );
            Ok(())
        }
        Err(other) => Err(other),
    }
}
