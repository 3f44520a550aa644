//! The public surface of the library, kept in tests/public-api.txt: this
//! test lists what src/lib.rs makes public (its `pub fn`s, its `pub mod`s
//! and their items, and each type it re-exports with `pub use`: the type,
//! its `pub` fields, its inherent `pub` methods wherever they are defined,
//! a trait's methods), and fails when the list differs from the file, so a
//! change of the surface is a visible decision. After a deliberate change,
//! run `UPDATE_PUBLIC_API=1 cargo test --test public_api` and commit the
//! file. Items of `#[doc(hidden)]` modules are listed with `(hidden)`.

use std::path::{Path, PathBuf};

const KINDS: [&str; 8] = [
    "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
];

/// A source file's lines, without its inline `#[cfg(test)] mod … { … }`
/// (which the project keeps at the end of a file).
fn source(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("a source file");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let tests = lines.windows(2).position(|pair| {
        pair[0].starts_with("#[cfg(test)]") && pair[1].starts_with("mod ") && pair[1].ends_with('{')
    });
    lines[..tests.unwrap_or(lines.len())].to_vec()
}

/// Every `.rs` file under src/.
fn all_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("a source folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            all_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `pub KIND NAME` at the start of `line` (after indentation), without
/// `pub(crate)` and the like.
fn public_item(line: &str) -> Option<(&'static str, String)> {
    let rest = line.trim_start().strip_prefix("pub ")?;
    let rest = rest.strip_prefix("async ").unwrap_or(rest);
    let rest = rest
        .strip_prefix("const ")
        .filter(|r| r.starts_with("fn "))
        .unwrap_or(rest);
    let (kind, rest) = rest.split_once(' ')?;
    let kind = KINDS.into_iter().find(|k| *k == kind)?;
    let name = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?
        .to_string();
    Some((kind, name))
}

/// The lines of the block that starts at `start` (its opening line
/// included), up to the `}` at the start's indentation.
fn block(lines: &[String], start: usize) -> &[String] {
    let indent = lines[start].len() - lines[start].trim_start().len();
    let end = lines[start..]
        .iter()
        .position(|l| l.len() - l.trim_start().len() == indent && l.trim() == "}")
        .map_or(lines.len(), |i| start + i);
    &lines[start..end]
}

/// The type an `impl` line is for (`impl<T> Name<T> {` gives `Name`), when
/// it is an inherent impl.
fn impl_target(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("impl")?;
    if rest.contains(" for ") || !line.trim_end().ends_with('{') {
        return None;
    }
    let rest = match rest.strip_prefix('<') {
        Some(generic) => generic.split_once("> ")?.1,
        None => rest.trim_start(),
    };
    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
}

/// A re-exported type: the type, its `pub` fields, and its methods.
fn type_surface(files: &[(PathBuf, Vec<String>)], name: &str, out: &mut Vec<String>) {
    for (_, lines) in files {
        for (i, line) in lines.iter().enumerate() {
            match public_item(line) {
                Some((kind, found)) if found == name && !line.starts_with(' ') => {
                    out.push(format!("ws::{name} {kind}"));
                    if matches!(kind, "struct" | "trait") && line.trim_end().ends_with('{') {
                        members(name, &block(lines, i)[1..], kind == "trait", out);
                    }
                }
                _ => {}
            }
            if impl_target(line) == Some(name) {
                members(name, &block(lines, i)[1..], false, out);
            }
        }
    }
}

/// The `pub` fields and methods (or a trait's methods) one level in.
fn members(name: &str, body: &[String], trait_body: bool, out: &mut Vec<String>) {
    for line in body {
        let depth = line.len() - line.trim_start().len();
        if depth != 4 {
            continue;
        }
        let text = line.trim_start();
        if let Some((kind, member)) = public_item(text) {
            out.push(format!("ws::{name}::{member} {kind}"));
        } else if let Some(field) = text.strip_prefix("pub ").and_then(|r| r.split_once(':')) {
            out.push(format!("ws::{name}.{} field", field.0));
        } else if let Some(method) = text.strip_prefix("fn ").filter(|_| trait_body) {
            let method = method.split(['(', '<']).next().unwrap_or_default();
            out.push(format!("ws::{name}::{method} fn"));
        }
    }
}

/// The items of a `pub mod` (not its submodules, which it would list).
fn module_surface(file: &Path, path: &str, suffix: &str, out: &mut Vec<String>) {
    for line in source(file) {
        if line.starts_with(' ') {
            continue;
        }
        if let Some((kind, name)) = public_item(&line) {
            out.push(format!("{path}::{name} {kind}{suffix}"));
        } else if let Some(used) = line.strip_prefix("pub use ") {
            out.push(format!(
                "{path}::{} use{suffix}",
                used.trim_end_matches(';')
            ));
        }
    }
}

#[test]
fn the_public_items_are_the_listed_ones() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    all_files(&root.join("src"), &mut paths);
    let files: Vec<_> = paths.into_iter().map(|p| (p.clone(), source(&p))).collect();
    let lib = source(&root.join("src/lib.rs"));
    let mut items = Vec::new();
    let mut hidden = false;
    let mut lines = lib.iter();
    while let Some(first) = lines.next() {
        let mut line = first.clone();
        while line.starts_with("pub use ") && !line.ends_with(';') {
            line.push_str(lines.next().expect("the end of a pub use").trim());
        }
        if let Some(used) = line.strip_prefix("pub use ") {
            let used = used.trim_end_matches(';');
            match used.split_once("::{") {
                Some((_, names)) => {
                    for name in names.trim_end_matches('}').split(',') {
                        type_surface(&files, name.trim(), &mut items);
                    }
                }
                None => match used.rsplit_once("::") {
                    Some((_, name)) => type_surface(&files, name, &mut items),
                    None => items.push(format!("ws::{used} use")),
                },
            }
        } else if let Some((kind, name)) = public_item(&line) {
            let suffix = if hidden { " (hidden)" } else { "" };
            items.push(format!("ws::{name} {kind}{suffix}"));
            if kind == "mod" {
                let file = [format!("src/{name}.rs"), format!("src/{name}/mod.rs")]
                    .into_iter()
                    .map(|f| root.join(f))
                    .find(|f| f.is_file())
                    .expect("the file of a pub mod");
                module_surface(&file, &format!("ws::{name}"), suffix, &mut items);
            }
        }
        hidden = line == "#[doc(hidden)]";
    }
    items.sort();
    items.dedup();
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
