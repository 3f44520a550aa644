//! `ws tail`.

use crate::cli::TailArgs;
use crate::error::{Error, Result};

pub(crate) fn run(_args: TailArgs) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
