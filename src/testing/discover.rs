//! Finding tests: `.rhai` files given on the command line or found in
//! folders (searched recursively, in name order), and in each file its
//! `test_*` functions in source order, or the whole file as one test when
//! it has none. A file's `// url: …` first line names its server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{TestCase, TestFile};
use crate::error::{Error, Result};

/// Folders searched when no path is given, first existing one wins.
pub(crate) const DEFAULT_FOLDERS: [&str; 2] = ["tests/ws", "scripts/tests"];

/// Every test of the files under `paths` (or of the default folders).
pub(crate) fn discover(paths: &[PathBuf]) -> Result<Vec<TestCase>> {
    let roots: Vec<PathBuf> = if paths.is_empty() {
        let found = DEFAULT_FOLDERS
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_dir());
        vec![found.ok_or_else(|| {
            Error::Usage(
                "no tests to run: give a .rhai file or a folder, or put tests in tests/ws/ or scripts/tests/".into(),
            )
        })?]
    } else {
        paths.to_vec()
    };
    let mut cases = Vec::new();
    for root in &roots {
        for (path, name) in files_of(root)? {
            let text = crate::bounded::read_config_text(&path)
                .map_err(|e| Error::file("read", &path, e))?;
            cases.extend(cases_of(Arc::new(TestFile::new(name, text))));
        }
    }
    Ok(cases)
}

/// The `.rhai` files of a path with the names tests are shown under: a
/// file's own name, or its path inside the folder that was given.
fn files_of(root: &Path) -> Result<Vec<(PathBuf, String)>> {
    if root.is_file() {
        let name = root.file_name().unwrap_or(root.as_os_str());
        return Ok(vec![(
            root.to_path_buf(),
            name.to_string_lossy().into_owned(),
        )]);
    }
    if !root.is_dir() {
        return Err(Error::Usage(format!(
            "{} is neither a .rhai file nor a folder",
            root.display()
        )));
    }
    let mut files = Vec::new();
    collect(root, &mut files)?;
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no .rhai files",
            root.display()
        )));
    }
    Ok(files
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(root).unwrap_or(&path);
            let name = name.to_string_lossy().replace('\\', "/");
            (path, name)
        })
        .collect())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::file("read", dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::file("read", dir, e))?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rhai") {
            files.push(path);
        }
    }
    Ok(())
}

/// The tests of one file: its `test_*` functions without parameters in
/// source order, or the file itself. A file that does not compile is one
/// test, which fails with the syntax error.
fn cases_of(file: Arc<TestFile>) -> Vec<TestCase> {
    let Ok(ast) = rhai::Engine::new_raw().compile(&file.text) else {
        return vec![TestCase::whole(file)];
    };
    let mut names: Vec<String> = ast
        .iter_functions()
        .filter(|f| f.name.starts_with("test_") && f.params.is_empty())
        .map(|f| f.name.to_string())
        .collect();
    names.sort_by_key(|name| source_position(&file.text, name));
    names.dedup();
    if names.is_empty() {
        return vec![TestCase::whole(file)];
    }
    names
        .into_iter()
        .map(|name| TestCase::function(file.clone(), name))
        .collect()
}

/// Where `fn NAME` first appears in the text (for source order).
fn source_position(text: &str, name: &str) -> usize {
    text.match_indices(name)
        .find(|(i, _)| text[..*i].trim_end().ends_with("fn"))
        .map_or(usize::MAX, |(i, _)| i)
}

/// The URL of a `// url: …` first line.
pub(crate) fn url_line(text: &str) -> Option<String> {
    let first = text.lines().next()?.trim();
    let url = first
        .strip_prefix("//")?
        .trim_start()
        .strip_prefix("url:")?;
    Some(url.trim().to_string()).filter(|u| !u.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let file = Arc::new(TestFile::new("t.rhai".into(), text.into()));
        cases_of(file).into_iter().map(|c| c.name).collect()
    }

    #[test]
    fn test_functions_in_source_order() {
        let text =
            "fn setup() {}\nfn test_b() {}\nfn helper(x) {}\nfn test_a() {}\nfn test_c(x) {}\n";
        assert_eq!(names(text), ["t.rhai::test_b", "t.rhai::test_a"]);
    }

    #[test]
    fn a_file_without_tests_is_one_test() {
        assert_eq!(names("text(\"hi\");"), ["t.rhai"]);
        assert_eq!(names("let x = ;"), ["t.rhai"]);
    }

    #[test]
    fn the_url_line() {
        assert_eq!(
            url_line("// url: ws://localhost:9000/chat\nfn test_a() {}").as_deref(),
            Some("ws://localhost:9000/chat")
        );
        assert_eq!(url_line("//url:   :8000 \n"), Some(":8000".into()));
        assert_eq!(url_line("let url = 1;\n// url: x"), None);
    }
}
