//! The public surface of the library, kept in tests/public-api.txt: this
//! test lists every `pub` item (and `pub` method) in the modules reachable
//! from src/lib.rs through `pub mod`, and fails when the list differs from
//! the file, so a change of the surface is a visible decision. After a
//! deliberate change, run `UPDATE_PUBLIC_API=1 cargo test --test public_api`
//! and commit the file.

use std::path::{Path, PathBuf};

const KINDS: [&str; 9] = [
    "fn", "struct", "enum", "trait", "type", "const", "static", "mod", "use",
];

/// The file of module `name` declared in `file`.
fn module_file(file: &Path, name: &str) -> Option<PathBuf> {
    let dir = file.parent()?;
    let stem = file.file_stem()?.to_str()?;
    let base = if matches!(stem, "lib" | "mod" | "main") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    [
        base.join(format!("{name}.rs")),
        base.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|candidate| candidate.is_file())
}

/// `pub KIND NAME` at the start of a line (after indentation), without
/// `pub(crate)` and the like.
fn public_item(line: &str) -> Option<(&str, String)> {
    let rest = line.trim_start().strip_prefix("pub ")?;
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let (kind, rest) = rest.split_once(' ')?;
    let kind = KINDS.into_iter().find(|k| *k == kind)?;
    let name = match kind {
        "use" => rest
            .trim_end_matches(';')
            .split_whitespace()
            .collect::<String>(),
        _ => rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()?
            .to_string(),
    };
    Some((kind, name))
}

/// Every public item of `file` (module path `path`) and of its public
/// submodules, as `path::name kind` lines.
fn collect(file: &Path, path: &str, out: &mut Vec<String>) {
    let text = std::fs::read_to_string(file).expect("a source file");
    let mut in_tests = false;
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        if first.starts_with("#[cfg(test)]") {
            in_tests = true;
        }
        if in_tests {
            continue;
        }
        // A `pub use` over several lines is read as one.
        let mut line = first.to_string();
        if first.trim_start().starts_with("pub use ") {
            while !line.trim_end().ends_with(';') {
                let Some(next) = lines.next() else { break };
                line.push_str(next);
            }
        }
        let line = line.as_str();
        let Some((kind, name)) = public_item(line) else {
            continue;
        };
        out.push(format!("{path}::{name} {kind}"));
        if kind == "mod" && line.trim_end().ends_with(';') {
            let child = module_file(file, &name).expect("the file of a pub mod");
            collect(&child, &format!("{path}::{name}"), out);
        }
    }
}

#[test]
fn the_public_items_are_the_listed_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut items = Vec::new();
    collect(&root.join("src/lib.rs"), "ws", &mut items);
    items.sort();
    let listed = root.join("tests/public-api.txt");
    let text = items.join("\n") + "\n";
    if std::env::var_os("UPDATE_PUBLIC_API").is_some() {
        std::fs::write(&listed, &text).expect("tests/public-api.txt written");
    }
    let want = std::fs::read_to_string(&listed).unwrap_or_default();
    let (added, removed): (Vec<_>, Vec<_>) = (
        items
            .iter()
            .filter(|i| !want.lines().any(|w| w == *i))
            .collect(),
        want.lines()
            .filter(|w| !items.iter().any(|i| i == w))
            .collect(),
    );
    assert!(
        added.is_empty() && removed.is_empty(),
        "the public surface changed ({} items now).\nadded: {added:#?}\nremoved: {removed:#?}\n\
         If this is meant, run UPDATE_PUBLIC_API=1 cargo test --test public_api and commit \
         tests/public-api.txt.",
        items.len()
    );
}
