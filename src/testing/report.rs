//! What `ws test` prints on standard output: like `cargo test` (a line per
//! test as it ends, the failures in full, a closing line), or TAP version 13
//! with `--tap`.

use std::io::{self, Write};

use super::{Status, TestResult, Totals, took};
use crate::console::render::paint;
use crate::console::{Line, Role};

/// How many of the last messages a failure shows.
pub(crate) const LAST_MESSAGES: usize = 8;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Human,
    Tap,
}

/// Prints a run as it goes.
pub(crate) struct Printer<W: Write> {
    out: W,
    style: Style,
    number: usize,
    colored: bool,
}

impl<W: Write> Printer<W> {
    /// A printer to `out`; `colored` paints the statuses.
    pub(crate) fn new(out: W, style: Style, colored: bool) -> Self {
        Self {
            out,
            style,
            number: 0,
            colored,
        }
    }

    /// Before the first test.
    pub(crate) fn start(&mut self, count: usize) -> io::Result<()> {
        match self.style {
            Style::Human => {
                let plural = if count == 1 { "" } else { "s" };
                writeln!(self.out, "running {count} test{plural}")?;
            }
            Style::Tap => writeln!(self.out, "TAP version 13\n1..{count}")?,
        }
        self.out.flush()
    }

    /// A test ended.
    pub(crate) fn result(&mut self, result: &TestResult) -> io::Result<()> {
        self.number += 1;
        match self.style {
            Style::Human => human_line(&mut self.out, result, self.colored)?,
            Style::Tap => tap_entry(&mut self.out, self.number, result)?,
        }
        self.out.flush()
    }

    /// After the last test: the failures in full and the closing line.
    pub(crate) fn end(&mut self, results: &[TestResult]) -> io::Result<()> {
        let totals = Totals::of(results);
        match self.style {
            Style::Human => {
                let troubled: Vec<&TestResult> = results
                    .iter()
                    .filter(|r| r.outcome.status.is_failure() || r.outcome.status == Status::Flaky)
                    .collect();
                if !troubled.is_empty() {
                    writeln!(self.out, "\nfailures:")?;
                    for result in troubled {
                        details(&mut self.out, result)?;
                    }
                }
                writeln!(self.out, "\n{}", totals.line())?;
            }
            Style::Tap => writeln!(self.out, "# {}", totals.line())?,
        }
        self.out.flush()
    }
}

/// `test chat.rhai::test_login ... ok 12 ms`, the status in colour on a
/// terminal.
fn human_line(out: &mut impl Write, result: &TestResult, colored: bool) -> io::Result<()> {
    let outcome = &result.outcome;
    let role = match outcome.status {
        Status::Passed => Role::Success,
        Status::Flaky | Status::Skipped => Role::Warning,
        _ => Role::Error,
    };
    let mut line = Line::of(Role::Plain, format!("test {} ... ", result.case.name))
        .push(role, outcome.status.word());
    match outcome.status {
        Status::Skipped => {}
        Status::Flaky => line.add(
            Role::Muted,
            format!(
                " {} (passed on try {})",
                took(outcome.duration),
                outcome.tries
            ),
        ),
        _ => line.add(Role::Muted, format!(" {}", took(outcome.duration))),
    }
    let mut text = String::new();
    paint(&line, colored, &mut text);
    out.write_all(text.as_bytes())
}

/// A failure in full: the message (position, source, caret, values), then
/// the last messages exchanged.
fn details(out: &mut impl Write, result: &TestResult) -> io::Result<()> {
    let outcome = &result.outcome;
    writeln!(
        out,
        "\n---- {} ({}) ----",
        result.case.name,
        outcome.status.word()
    )?;
    writeln!(out, "{}", outcome.message.trim_end())?;
    let messages = outcome.last_messages(LAST_MESSAGES);
    if !messages.is_empty() {
        writeln!(out, "last messages exchanged:")?;
        for message in messages {
            writeln!(out, "  {message}")?;
        }
    }
    Ok(())
}

/// `ok 1 - name`, or `not ok 2 - name` with a YAML block.
fn tap_entry(out: &mut impl Write, number: usize, result: &TestResult) -> io::Result<()> {
    let outcome = &result.outcome;
    let name = result.case.name.replace('#', "\\#");
    let time = took(outcome.duration);
    match outcome.status {
        Status::Passed => writeln!(out, "ok {number} - {name} # {time}"),
        Status::Skipped => writeln!(out, "ok {number} - {name} # SKIP {}", outcome.message),
        Status::Flaky => writeln!(
            out,
            "ok {number} - {name} # {time}, flaky: passed on try {}",
            outcome.tries
        ),
        status => {
            writeln!(out, "not ok {number} - {name} # {time}")?;
            writeln!(out, "  ---")?;
            writeln!(out, "  status: {}", status.word().to_lowercase())?;
            yaml_block(out, "message", &outcome.message)?;
            let messages = outcome.last_messages(LAST_MESSAGES);
            if !messages.is_empty() {
                yaml_block(out, "last_messages", &messages.join("\n"))?;
            }
            writeln!(out, "  ...")
        }
    }
}

fn yaml_block(out: &mut impl Write, key: &str, text: &str) -> io::Result<()> {
    writeln!(out, "  {key}: |-")?;
    for line in text.trim_end().lines() {
        writeln!(out, "    {line}")?;
    }
    Ok(())
}
