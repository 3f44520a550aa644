//! `ws completion SHELL` and `ws install-completion`.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::{Error, Result};

/// Prints the completion script of `shell`.
pub(crate) fn print(shell: Shell) -> Result<i32> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "ws", &mut std::io::stdout());
    Ok(0)
}

/// Installs the completion script for the user's shell.
pub(crate) fn install() -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
