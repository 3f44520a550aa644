//! `ws session`: the interactive console, on a URL or on an echo server
//! started for it.

use crate::cli::SessionArgs;
use crate::console::{Console, Role};
use crate::error::Result;
use crate::server::EchoServer;
use crate::session::Session;

pub(crate) fn run(args: SessionArgs) -> Result<i32> {
    let (settings, options) = super::client_settings(
        &args.connect,
        Some(&args.stay),
        &[],
        args.terminal_width.as_deref(),
    )?;
    let console = Console::stdio();
    // The echo server started for the session serves until it ends.
    let mut server = None;
    let url = match args.url {
        Some(url) => url,
        None => {
            let url = server.insert(EchoServer::start()?).url();
            console.say(
                Role::Info,
                format!("No URL given: started an echo server on {url}"),
            );
            url
        }
    };
    let script = args.script.as_deref().map(super::read_script).transpose()?;
    super::attach_transcript(&console, &args.file, &settings)?;
    // Handlers first: Ctrl+C or SIGTERM during the first connect ends it
    // (status 130). The prompt adds its own, which also end the session.
    let built = Session::builder()
        .interrupt(crate::signals::interrupt())
        .url(url)
        .connect_options(options)
        .settings(settings)
        .console(console.clone())
        .json(args.json)
        .interactive(true)
        .verbose(args.verbose)
        .keep_from_start(script.is_some())
        .build();
    super::record(&console, &built);
    let mut session = built.inspect_err(|_| console.finish())?;
    let status = match &script {
        Some((name, text)) => session.repl_after_script(name, text),
        None => session.repl(),
    };
    drop(server);
    Ok(status)
}
