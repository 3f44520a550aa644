//! `ws test [PATH…]`: finds the tests, runs them (see `crate::testing`),
//! prints the results and writes the JUnit file and transcripts asked for.
//! Exit 0 when nothing failed, 1 when a test failed, 2 for bad usage, 130
//! after Ctrl+C or SIGTERM (the results so far reported, the rest skipped).

use std::io::{IsTerminal, Write};
use std::time::{Instant, SystemTime};

use crate::cli::TestArgs;
use crate::error::{Error, Result};
use crate::testing::case::Environment;
use crate::testing::report::{Printer, Style};
use crate::testing::runner::{self, Plan};
use crate::testing::{Status, TestResult, discover, junit};

pub(crate) fn run(args: TestArgs) -> Result<i32> {
    let (settings, options) = super::client_settings(
        &args.connect,
        Some(&args.stay),
        &[],
        args.terminal_width.as_deref(),
    )?;
    let plan = Plan {
        jobs: args.jobs.map_or_else(cores, usize::from),
        timeout: super::seconds("--timeout", args.timeout)?,
        retries: args.retries,
        fail_fast: args.fail_fast,
        // Ctrl+C or SIGTERM stops the tests under way and starts no more;
        // the results so far are reported (and written) as usual, status 130.
        interrupt: crate::signals::interrupt(),
    };
    if let Some(url) = &args.url {
        crate::connection::url::parse(url)?;
    }
    let mut cases = discover::discover(&args.paths)?;
    if let Some(pattern) = &args.filter {
        cases.retain(|case| case.name.contains(pattern.as_str()));
    }
    if let Some(shard) = args.shard {
        cases.retain(|case| shard.holds(&case.name));
    }
    if args.list {
        let mut out = std::io::stdout().lock();
        for case in &cases {
            let _ = writeln!(out, "{}", case.name);
        }
        return Ok(0);
    }
    // A report that cannot be written is known before the tests run.
    if let Some(path) = &args.junit {
        std::fs::File::create(path).map_err(|e| Error::file("create", path, e))?;
    }
    let needs_server = args.url.is_none() && cases.iter().any(|c| c.file.url.is_none());
    // The echo server for tests without a URL serves until they end.
    let server = needs_server
        .then(crate::server::EchoServer::start)
        .transpose()?;
    let fallback = server.as_ref().map(|server| server.url());
    let width = settings.width();
    let env = Environment {
        settings,
        options,
        url: args.url.clone(),
        fallback,
    };
    let style = if args.tap { Style::Tap } else { Style::Human };
    let stdout = std::io::stdout();
    let colored = crate::console::render::colour_wanted(stdout.is_terminal());
    let mut printer = Printer::new(stdout.lock(), style, colored);
    let (clock, started) = (Instant::now(), SystemTime::now());
    let _ = printer.start(cases.len());
    let results = runner::run(&cases, env, &plan, |result| {
        let _ = printer.result(result);
    });
    let _ = printer.end(&results);
    if let Some(path) = &args.junit {
        junit::write_file(path, &results, clock.elapsed(), started)?;
    }
    if let Some(dir) = &args.transcripts {
        let chosen: Vec<&TestResult> = results
            .iter()
            .filter(|r| r.outcome.status != Status::Skipped)
            .filter(|r| args.transcripts_all || r.outcome.status != Status::Passed)
            .collect();
        crate::testing::write_transcripts(dir, &chosen, width)?;
    }
    if plan.interrupt.is_set() {
        return Ok(130);
    }
    let failed = results.iter().any(|r| r.outcome.status.is_failure());
    Ok(i32::from(failed))
}

/// The default of `-j`: the number of cores.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
