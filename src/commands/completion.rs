//! `ws completion SHELL` prints a completion script (clap_complete, from
//! the same [`Cli`]); `ws install-completion` writes it where the user's
//! shell (from `$SHELL`) looks for it and says where.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Prints the completion script of `shell`.
pub(crate) fn print(shell: Shell) -> Result<i32> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ws", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| Error::io("cannot write the completion script", e))?;
    Ok(0)
}

/// Installs the completion script for the user's shell.
pub(crate) fn install() -> Result<i32> {
    let shell = std::env::var("SHELL").unwrap_or_default();
    let name = Path::new(&shell)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let (shell, target, advice) = place(name)?;
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ws", &mut script);
    if let Some(folder) = target.parent() {
        std::fs::create_dir_all(folder).map_err(|e| Error::file("create", folder, e))?;
    }
    std::fs::write(&target, script).map_err(|e| Error::file("write", &target, e))?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "Installed the {shell} completion of ws in {}.\n{advice}",
        target.display()
    );
    Ok(0)
}

/// The shell, the file its completion goes to, and what the user does next.
fn place(name: &str) -> Result<(Shell, PathBuf, &'static str)> {
    match name {
        "bash" => Ok((
            Shell::Bash,
            base("XDG_DATA_HOME", ".local/share")?.join("bash-completion/completions/ws"),
            "New bash shells load it (with the bash-completion package).",
        )),
        "zsh" => Ok((
            Shell::Zsh,
            home()?.join(".zfunc/_ws"),
            "Add `fpath=(~/.zfunc $fpath)` before `compinit` in ~/.zshrc if it is not there; new zsh shells then load it.",
        )),
        "fish" => Ok((
            Shell::Fish,
            base("XDG_CONFIG_HOME", ".config")?.join("fish/completions/ws.fish"),
            "New fish shells load it.",
        )),
        "" => Err(Error::Usage(
            "$SHELL is not set, so the shell is unknown; install-completion supports bash, zsh and fish (ws completion SHELL prints the script for others)".into(),
        )),
        other => Err(Error::Usage(format!(
            "install-completion supports bash, zsh and fish, not {other}; ws completion SHELL prints the script for powershell and elvish"
        ))),
    }
}

/// `$VARIABLE` when set to an absolute path, else `~/FALLBACK`.
fn base(variable: &str, fallback: &str) -> Result<PathBuf> {
    match std::env::var_os(variable).map(PathBuf::from) {
        Some(path) if path.is_absolute() => Ok(path),
        _ => Ok(home()?.join(fallback)),
    }
}

fn home() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .ok_or_else(|| {
            Error::Usage("$HOME is not set, so there is nowhere to install the completion".into())
        })
}
