//! `ws echo-server`.

use crate::cli::EchoServerArgs;
use crate::error::{Error, Result};

pub(crate) fn run(_args: EchoServerArgs) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
