//! `ws session`.

use crate::cli::SessionArgs;
use crate::error::{Error, Result};

pub(crate) fn run(_args: SessionArgs) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
