//! `help` and `help NAME`: the overview and one entry, from the command
//! table.

use super::super::commands;
use crate::console::{Line, Role};

pub(super) fn help_overview() -> Vec<Line> {
    let mut lines = vec![Line::of(
        Role::Info,
        "Commands (<> marks an optional argument; `help <command>` for more):",
    )];
    for c in commands::commands() {
        lines.push(row((c.name, 6), (c.params, 16), c.summary));
    }
    lines.push(Line::of(
        Role::Info,
        "Rhai functions (also as c.name(…) on a connection from connect):",
    ));
    for f in commands::functions() {
        lines.push(row((f.name, 12), (f.params, 18), f.summary));
    }
    lines.push(Line::of(
        Role::Info,
        "Any other line is Rhai code, e.g. for i in 0..3 { text(\"n\" + i) }",
    ));
    lines
}

/// One row of the overview: the name and the parameters padded to their
/// columns' widths, then the summary.
fn row(name: (&str, usize), params: (&str, usize), summary: &str) -> Line {
    Line::new()
        .push(Role::Command, format!("  {:<1$}", name.0, name.1))
        .push(Role::Muted, format!(" {:<1$}", params.0, params.1))
        .push(Role::Plain, format!(" {summary}"))
}

pub(super) fn help_for(name: &str) -> Result<Vec<Line>, String> {
    if let Some(c) = commands::find(name) {
        let mut lines = vec![
            Line::new()
                .push(Role::Command, c.name)
                .push(Role::Muted, format!(" {}", c.params)),
            Line::of(Role::Plain, format!("  {}", c.summary)),
            Line::of(Role::Info, "Examples:"),
        ];
        lines.extend(
            c.examples
                .lines()
                .map(|l| Line::of(Role::Literal, format!("  {l}"))),
        );
        return Ok(lines);
    }
    if let Some(f) = commands::find_function(name) {
        return Ok(vec![
            Line::new()
                .push(
                    Role::Command,
                    format!("{}({})", f.name, f.params.replace(' ', ", ")),
                )
                .push(Role::Plain, format!("  {}", f.summary)),
            Line::of(Role::Info, "Example:"),
            Line::of(Role::Literal, format!("  {}", f.examples)),
        ]);
    }
    let suggestion = commands::suggest(name)
        .map(|s| format!(" Did you mean {s}?"))
        .unwrap_or_default();
    Err(format!(
        "There is no command or function {name}.{suggestion} Type help for the list."
    ))
}
