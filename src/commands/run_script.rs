//! `ws run-script`.

use crate::cli::RunArgs;
use crate::error::{Error, Result};

pub(crate) fn run(_args: RunArgs) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
