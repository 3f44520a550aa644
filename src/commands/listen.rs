//! `ws listen`.

use crate::cli::ListenArgs;
use crate::error::{Error, Result};

pub(crate) fn run(_args: ListenArgs) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
