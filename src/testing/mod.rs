//! `ws test`: Rhai scripts as a test suite for WebSocket servers.
//!
//! [`discover`] finds the tests (`test_*` functions, or whole files);
//! [`case`] runs one try of one test on a fresh engine and connection;
//! [`runner`] runs them side by side with timeouts, retries and fail-fast;
//! [`report`] prints the results like `cargo test` (or TAP) and [`junit`]
//! writes the JUnit file. Everything here talks to the rest of the crate
//! through [`crate::session::Session`] and the console.

pub(crate) mod case;
pub(crate) mod discover;
pub(crate) mod junit;
pub(crate) mod report;
pub(crate) mod runner;
pub mod shard;

use std::sync::Arc;
use std::time::Duration;

use crate::console::{Line, Role};

/// One `.rhai` file of the suite.
#[derive(Debug)]
pub(crate) struct TestFile {
    /// The name tests are shown under (`chat.rhai`).
    pub name: String,
    pub text: String,
    /// The URL of its `// url: …` first line.
    pub url: Option<String>,
}

impl TestFile {
    pub(crate) fn new(name: String, text: String) -> Self {
        let url = discover::url_line(&text);
        Self { name, text, url }
    }
}

/// One test: a `test_*` function of a file, or a whole file.
#[derive(Debug, Clone)]
pub(crate) struct TestCase {
    pub file: Arc<TestFile>,
    pub function: Option<String>,
    /// `chat.rhai::test_login`, or `chat.rhai` for a whole file.
    pub name: String,
}

impl TestCase {
    pub(crate) fn whole(file: Arc<TestFile>) -> Self {
        let name = file.name.clone();
        Self {
            file,
            function: None,
            name,
        }
    }

    pub(crate) fn function(file: Arc<TestFile>, function: String) -> Self {
        let name = format!("{}::{function}", file.name);
        Self {
            file,
            function: Some(function),
            name,
        }
    }

    /// The name inside its file (the function, or the file's name).
    pub(crate) fn short_name(&self) -> &str {
        self.function.as_deref().unwrap_or(&self.file.name)
    }
}

/// How a test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Passed,
    /// An assertion failed.
    Failed,
    /// Any other error: the script threw, the connection failed.
    Error,
    /// It ran past `--timeout` and was stopped.
    TimedOut,
    /// It failed, then passed on a retry.
    Flaky,
    /// Not run (`--fail-fast` after a failure).
    Skipped,
}

impl Status {
    /// The word on the test's line.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Status::Passed => "ok",
            Status::Failed => "FAILED",
            Status::Error => "ERROR",
            Status::TimedOut => "TIMEOUT",
            Status::Flaky => "flaky",
            Status::Skipped => "skipped",
        }
    }

    /// Whether it makes the run fail.
    pub(crate) fn is_failure(self) -> bool {
        matches!(self, Status::Failed | Status::Error | Status::TimedOut)
    }
}

/// What came of a test (of its last try, with retries).
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub status: Status,
    pub duration: Duration,
    /// The failure as shown: position, source line, caret, values.
    pub message: String,
    /// Everything the test's console showed: prints and traffic.
    pub transcript: Vec<Line>,
    /// How many times it ran.
    pub tries: u32,
    /// Whether the test itself was stopped (by its timeout or Ctrl+C)
    /// rather than ending on its own.
    pub stopped: bool,
}

impl Outcome {
    pub(crate) fn skipped() -> Self {
        Self {
            status: Status::Skipped,
            duration: Duration::ZERO,
            message: "not run: an earlier test failed and --fail-fast is on".into(),
            transcript: Vec::new(),
            tries: 0,
            stopped: false,
        }
    }

    /// The transcript as plain text, one line each.
    pub(crate) fn transcript_text(&self) -> String {
        let mut text = String::new();
        for line in &self.transcript {
            text.push_str(&line.plain());
            text.push('\n');
        }
        text
    }

    /// The last `count` messages exchanged (their first lines), oldest first.
    pub(crate) fn last_messages(&self, count: usize) -> Vec<String> {
        let traffic: Vec<String> = self
            .transcript
            .iter()
            .filter(|line| {
                line.segments
                    .first()
                    .is_some_and(|s| matches!(s.role, Role::Incoming | Role::Outgoing))
            })
            .map(Line::plain)
            .collect();
        traffic[traffic.len().saturating_sub(count)..].to_vec()
    }
}

/// A test and what came of it.
#[derive(Debug, Clone)]
pub(crate) struct TestResult {
    pub case: TestCase,
    pub outcome: Outcome,
}

/// The counts of the closing line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Totals {
    pub passed: usize,
    pub failed: usize,
    pub flaky: usize,
    pub skipped: usize,
}

impl Totals {
    pub(crate) fn of(results: &[TestResult]) -> Self {
        let mut totals = Totals::default();
        for result in results {
            match result.outcome.status {
                Status::Passed => totals.passed += 1,
                Status::Flaky => totals.flaky += 1,
                Status::Skipped => totals.skipped += 1,
                _ => totals.failed += 1,
            }
        }
        totals
    }

    /// `N passed, M failed`, then `, F flaky` and `, K skipped` when there are any.
    pub(crate) fn line(&self) -> String {
        let mut line = format!("{} passed, {} failed", self.passed, self.failed);
        if self.flaky > 0 {
            line.push_str(&format!(", {} flaky", self.flaky));
        }
        if self.skipped > 0 {
            line.push_str(&format!(", {} skipped", self.skipped));
        }
        line
    }
}

/// A duration as a test line shows it: `12 ms` under ten seconds, else `12.3 s`.
pub(crate) fn took(duration: Duration) -> String {
    if duration < Duration::from_secs(10) {
        format!("{} ms", duration.as_millis())
    } else {
        format!("{:.1} s", duration.as_secs_f64())
    }
}

/// Writes an SVG and an HTML transcript of each result into `dir`, named
/// after the test (`chat.rhai--test_login.svg`).
pub(crate) fn write_transcripts(
    dir: &std::path::Path,
    results: &[&TestResult],
    width: usize,
) -> crate::error::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::file("create", dir, e))?;
    for result in results {
        let stem: String = result
            .case
            .name
            .replace("::", "--")
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        for extension in ["svg", "html"] {
            let mut sink =
                crate::transcript::open(&dir.join(format!("{stem}.{extension}")), width)?;
            let path = dir.join(format!("{stem}.{extension}"));
            let write = |e| crate::error::Error::file("write", &path, e);
            for line in &result.outcome.transcript {
                sink.line(line).map_err(write)?;
            }
            for line in result.outcome.message.lines() {
                sink.line(&Line::of(Role::Error, line)).map_err(write)?;
            }
            sink.finish().map_err(write)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_closing_line() {
        let mut totals = Totals {
            passed: 3,
            failed: 1,
            ..Totals::default()
        };
        assert_eq!(totals.line(), "3 passed, 1 failed");
        totals.flaky = 1;
        totals.skipped = 2;
        assert_eq!(totals.line(), "3 passed, 1 failed, 1 flaky, 2 skipped");
    }

    #[test]
    fn durations() {
        assert_eq!(took(Duration::from_millis(12)), "12 ms");
        assert_eq!(took(Duration::from_millis(30_040)), "30.0 s");
    }
}
