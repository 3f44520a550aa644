//! The JUnit XML report (`--junit FILE`), written with quick-xml: one
//! `<testsuite>` per file, one `<testcase>` per test with its time; an
//! assertion is a `<failure>`, any other error or a timeout an `<error>`,
//! a test not run `<skipped>`; the failure's full text is the element's
//! content and the test's transcript goes in `<system-out>`. A flaky test
//! passes, with what happened on its failed try in `<system-out>`.

use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::{Status, TestResult};
use crate::error::{Error, Result};

/// Writes the report of `results` (in suite order) to `path`.
pub(crate) fn write_file(
    path: &Path,
    results: &[TestResult],
    total: Duration,
    started: SystemTime,
) -> Result<()> {
    let file = std::fs::File::create(path).map_err(|e| Error::file("create", path, e))?;
    let mut out = io::BufWriter::new(file);
    write(&mut out, results, total, started)
        .and_then(|()| out.flush())
        .map_err(|e| Error::file("write", path, e))
}

/// The counts of a group of results, as JUnit attributes.
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    time: Duration,
}

impl Counts {
    fn of<'a>(results: impl Iterator<Item = &'a TestResult>) -> Self {
        let mut counts = Counts {
            tests: 0,
            failures: 0,
            errors: 0,
            skipped: 0,
            time: Duration::ZERO,
        };
        for result in results {
            counts.tests += 1;
            counts.time += result.outcome.duration;
            match result.outcome.status {
                Status::Failed => counts.failures += 1,
                Status::Error | Status::TimedOut => counts.errors += 1,
                Status::Skipped => counts.skipped += 1,
                Status::Passed | Status::Flaky => {}
            }
        }
        counts
    }

    fn attributes(&self, time: Duration) -> Vec<(&'static str, String)> {
        vec![
            ("tests", self.tests.to_string()),
            ("failures", self.failures.to_string()),
            ("errors", self.errors.to_string()),
            ("skipped", self.skipped.to_string()),
            ("time", seconds(time)),
        ]
    }
}

fn write(
    out: &mut impl Write,
    results: &[TestResult],
    total: Duration,
    started: SystemTime,
) -> io::Result<()> {
    let mut xml = Writer::new_with_indent(out, b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let all = Counts::of(results.iter());
    let mut root = BytesStart::new("testsuites").with_attributes([("name", "ws test")]);
    push(&mut root, all.attributes(total));
    xml.write_event(Event::Start(root))?;
    let mut files: Vec<&str> = Vec::new();
    for result in results {
        if !files.contains(&result.case.file.name.as_str()) {
            files.push(&result.case.file.name);
        }
    }
    let timestamp = iso_time(started);
    for file in files {
        let suite: Vec<&TestResult> = results
            .iter()
            .filter(|r| r.case.file.name == file)
            .collect();
        let counts = Counts::of(suite.iter().copied());
        let mut start = BytesStart::new("testsuite").with_attributes([("name", file)]);
        push(&mut start, counts.attributes(counts.time));
        start.push_attribute(("timestamp", timestamp.as_str()));
        xml.write_event(Event::Start(start))?;
        for result in suite {
            case(&mut xml, result)?;
        }
        xml.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testsuites")))?;
    xml.get_mut().write_all(b"\n")
}

fn push(start: &mut BytesStart, attributes: Vec<(&'static str, String)>) {
    for (name, value) in attributes {
        start.push_attribute((name, value.as_str()));
    }
}

fn case(xml: &mut Writer<&mut impl Write>, result: &TestResult) -> io::Result<()> {
    let outcome = &result.outcome;
    let mut start = BytesStart::new("testcase").with_attributes([
        ("name", result.case.short_name()),
        ("classname", result.case.file.name.as_str()),
    ]);
    start.push_attribute(("time", seconds(outcome.duration).as_str()));
    let element = match outcome.status {
        Status::Failed => Some(("failure", "assertion")),
        Status::Error => Some(("error", "error")),
        Status::TimedOut => Some(("error", "timeout")),
        Status::Skipped => Some(("skipped", "")),
        Status::Passed | Status::Flaky => None,
    };
    // A passing test's transcript is left out, to keep the file small.
    let mut out = String::new();
    if outcome.status == Status::Flaky {
        out.push_str(&format!("flaky: {}\n\n", outcome.message));
    }
    if outcome.status != Status::Passed {
        out.push_str(&outcome.transcript_text());
    }
    if element.is_none() && out.is_empty() {
        return xml.write_event(Event::Empty(start));
    }
    xml.write_event(Event::Start(start))?;
    let message = clean(outcome.message.lines().next().unwrap_or_default());
    match element {
        Some(("skipped", _)) => {
            let skipped =
                BytesStart::new("skipped").with_attributes([("message", message.as_str())]);
            xml.write_event(Event::Empty(skipped))?;
        }
        Some((name, kind)) => {
            xml.create_element(name)
                .with_attributes([("message", message.as_str()), ("type", kind)])
                .write_text_content(BytesText::new(&clean(&outcome.message)))?;
        }
        None => {}
    }
    if !out.is_empty() {
        xml.create_element("system-out")
            .write_text_content(BytesText::new(&clean(&out)))?;
    }
    xml.write_event(Event::End(BytesEnd::new("testcase")))
}

/// Seconds with millisecond precision, as JUnit times are written.
fn seconds(duration: Duration) -> String {
    format!("{:.3}", duration.as_secs_f64())
}

/// Text that XML 1.0 can hold: control characters other than tab, line
/// feed and carriage return are shown as the console shows them
/// ([`crate::console::escape::visible`]).
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c => crate::console::escape::visible(c),
        })
        .collect()
}

/// `2026-11-27T21:04:05` (UTC), the form of JUnit's `timestamp`.
fn iso_time(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_iso_8601() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_813_445);
        assert_eq!(iso_time(at), "2026-11-27T21:04:05");
        assert_eq!(iso_time(SystemTime::UNIX_EPOCH), "1970-01-01T00:00:00");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(clean("a\u{1}b\tc\n"), "a\u{2401}b\tc\n");
    }
}
