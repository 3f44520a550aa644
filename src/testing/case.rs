//! One try of one test: a fresh session (engine and connection) whose
//! console prints nowhere and keeps every line for the report; the file's
//! top-level code, then `setup()`, the test, and `teardown()` (which runs
//! whenever the file's code ran); then every connection is closed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use rhai::AST;

use super::{Outcome, Status, TestCase, TestFile};
use crate::cancel::Interrupt;
use crate::connection::ConnectOptions;
use crate::console::Console;
use crate::error::Error;
use crate::script::assert::take_failure;
use crate::session::Session;
use crate::settings::Settings;
use crate::transcript::Recorder;

/// The most lines of a test's transcript that are kept (the newest).
const KEPT_LINES: usize = 20_000;

/// What every test of a run shares.
#[derive(Debug, Clone)]
pub(crate) struct Environment {
    pub settings: Settings,
    pub options: ConnectOptions,
    /// `--url` or `WS_URL`: every test's server.
    pub url: Option<String>,
    /// The built-in echo server, for files that name no server.
    pub fallback: Option<String>,
}

impl Environment {
    /// The server of a test: `--url`/`WS_URL`, the file's `// url:` line,
    /// else the built-in echo server.
    pub(crate) fn url_for(&self, case: &TestCase) -> Option<String> {
        self.url
            .clone()
            .or_else(|| case.file.url.clone())
            .or_else(|| self.fallback.clone())
    }
}

/// Runs `case` once; `cancel` stops it (the runner's timeout), the close
/// after it included. Every line shown goes to `capture`, which the runner
/// keeps too (a test that does not stop is reported with what it showed).
pub(crate) fn attempt(
    case: &TestCase,
    env: &Environment,
    cancel: Interrupt,
    capture: Recorder,
) -> Outcome {
    take_failure();
    let started = Instant::now();
    let console = Console::silent();
    console.add_sink(Box::new(capture.clone()));
    let result = run(case, env, console, cancel);
    let status = match &result {
        Ok(()) | Err(Error::Exit(0)) => Status::Passed,
        Err(_) if take_failure() => Status::Failed,
        Err(_) => Status::Error,
    };
    let message = match &result {
        Ok(()) | Err(Error::Exit(0)) => String::new(),
        Err(Error::Exit(code)) => format!("the test ended with exit({code})"),
        Err(Error::Interrupted) => "the test was stopped".into(),
        Err(error) => error.to_string(),
    };
    Outcome {
        status,
        duration: started.elapsed(),
        message,
        transcript: capture.lines(),
        tries: 1,
        stopped: matches!(result, Err(Error::Interrupted)),
    }
}

fn run(
    case: &TestCase,
    env: &Environment,
    console: Console,
    cancel: Interrupt,
) -> crate::error::Result<()> {
    let token = cancel.token();
    let mut builder = Session::builder()
        .settings(env.settings.clone())
        .connect_options(env.options.clone())
        .console(console)
        .interrupt(cancel)
        .show_sent(true);
    if let Some(url) = env.url_for(case) {
        builder = builder.url(url);
    }
    let mut session = builder.build()?;
    let result = run_in(&mut session, case);
    let code = if matches!(result, Err(Error::Interrupted)) {
        1001
    } else {
        1000
    };
    session.close_all_unless(code, &token);
    result
}

/// The file's code and the test, with `setup()` before and `teardown()`
/// after; a teardown failure fails a test that passed.
fn run_in(session: &mut Session, case: &TestCase) -> crate::error::Result<()> {
    let file = &case.file;
    let (name, text) = (file.name.as_str(), file.text.as_str());
    let ast = compiled(session, file)?;
    let body = match &case.function {
        Some(function) => {
            session.run_compiled(name, text, ast)?;
            call_if_defined(session, case, "setup")
                .and_then(|()| session.call(name, text, function))
        }
        None => {
            // Define the functions, so setup() runs before the file's code.
            session.run_compiled(name, text, ast.clone_functions_only())?;
            call_if_defined(session, case, "setup")
                .and_then(|()| session.run_compiled(name, text, ast))
        }
    };
    if matches!(body, Err(Error::Interrupted)) {
        return body;
    }
    let teardown = call_if_defined(session, case, "teardown");
    body.and(teardown)
}

thread_local! {
    /// The files compiled on this thread, by the address of their
    /// `TestFile` (alive for the whole run): a file of 200 tests is
    /// compiled once per worker, not once per test.
    static COMPILED: RefCell<HashMap<usize, AST>> = RefCell::default();
}

fn compiled(session: &Session, file: &Arc<TestFile>) -> crate::error::Result<AST> {
    let key = Arc::as_ptr(file) as usize;
    if let Some(ast) = COMPILED.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(ast);
    }
    let ast = session.compile(&file.name, &file.text)?;
    COMPILED.with(|c| c.borrow_mut().insert(key, ast.clone()));
    Ok(ast)
}

fn call_if_defined(
    session: &mut Session,
    case: &TestCase,
    function: &str,
) -> crate::error::Result<()> {
    if !session.defines(function) {
        return Ok(());
    }
    session.call(&case.file.name, &case.file.text, function)
}

/// A recorder of the newest lines of a test's transcript.
pub(crate) fn capture() -> Recorder {
    Recorder::new(KEPT_LINES)
}
