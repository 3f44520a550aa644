//! Reads a JUnit XML file back into elements and checks it against the
//! JUnit XML schema (the one Jenkins and GitLab read), element by element:
//! which elements go where, which attributes they must and may have,
//! numbers where numbers go, and counts that add up.

use quick_xml::events::Event;

#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("<{}> has no {name}", self.name))
    }
}

pub fn parse(xml: &str) -> Element {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Element::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => stack.push(element(&start)),
            Event::Empty(start) => {
                let done = element(&start);
                stack.last_mut().unwrap().children.push(done);
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            Event::Text(text) => {
                stack
                    .last_mut()
                    .unwrap()
                    .text
                    .push_str(&text.xml10_content());
            }
            Event::GeneralRef(r) => {
                let entity = format!("&{};", r.into_inner());
                let text = quick_xml::escape::unescape(&entity).unwrap().into_owned();
                stack.last_mut().unwrap().text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().unwrap();
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.pop().unwrap()
}

fn element(start: &quick_xml::events::BytesStart) -> Element {
    Element {
        name: start.name().into_inner().to_string(),
        attrs: start
            .attributes()
            .map(|a| {
                let a = a.unwrap();
                let key = a.key.into_inner().to_string();
                let value = a.normalized_value(quick_xml::XmlVersion::Explicit1_0);
                (key, value.unwrap().into_owned())
            })
            .collect(),
        ..Element::default()
    }
}

/// The rules of the schema: which elements go where, which attributes
/// they must and may have, numbers where numbers go, and counts that
/// add up.
pub fn check(root: &Element) {
    assert_eq!(root.name, "testsuites");
    allowed(
        root,
        &["name", "tests", "failures", "errors", "skipped", "time"],
        &[],
    );
    let mut total = 0;
    for suite in &root.children {
        assert_eq!(suite.name, "testsuite");
        let required = ["name", "tests", "failures", "errors", "time"];
        allowed(
            suite,
            &["skipped", "timestamp", "hostname", "id", "package"],
            &required,
        );
        assert!(suite.attr("timestamp").len() == 19, "ISO 8601 without zone");
        let counts = count(suite);
        assert_eq!(suite.attr("tests"), counts[0].to_string());
        assert_eq!(suite.attr("failures"), counts[1].to_string());
        assert_eq!(suite.attr("errors"), counts[2].to_string());
        assert_eq!(suite.attr("skipped"), counts[3].to_string());
        total += counts[0];
    }
    assert_eq!(root.attr("tests"), total.to_string());
}

/// tests, failures, errors, skipped of a suite, from its test cases.
fn count(suite: &Element) -> [usize; 4] {
    let mut counts = [0; 4];
    for case in &suite.children {
        assert_eq!(case.name, "testcase");
        allowed(
            case,
            &["assertions", "status", "file", "line"],
            &["name", "classname", "time"],
        );
        seconds(case.attr("time"));
        counts[0] += 1;
        let mut order = 0;
        for child in &case.children {
            let rank = match child.name.as_str() {
                "skipped" => 0,
                "error" => 1,
                "failure" => 2,
                "system-out" => 3,
                "system-err" => 4,
                other => panic!("<{other}> is not allowed in <testcase>"),
            };
            assert!(rank >= order, "children of <testcase> out of order");
            order = rank;
            match child.name.as_str() {
                "skipped" => counts[3] += 1,
                "error" => counts[2] += 1,
                "failure" => counts[1] += 1,
                _ => {}
            }
            if matches!(child.name.as_str(), "error" | "failure") {
                allowed(child, &["message", "type"], &[]);
            }
            assert!(
                child.children.is_empty(),
                "<{}> holds only text",
                child.name
            );
        }
    }
    counts
}

fn allowed(element: &Element, optional: &[&str], required: &[&str]) {
    for name in required {
        element.attr(name);
    }
    for (key, value) in &element.attrs {
        assert!(
            optional.contains(&key.as_str()) || required.contains(&key.as_str()),
            "<{}> may not have {key}",
            element.name
        );
        if ["tests", "failures", "errors", "skipped"].contains(&key.as_str()) {
            value.parse::<u64>().expect("a count");
        }
        if key == "time" {
            seconds(value);
        }
    }
}

fn seconds(value: &str) {
    let time: f64 = value.parse().expect("a decimal number of seconds");
    assert!(time >= 0.0);
}
