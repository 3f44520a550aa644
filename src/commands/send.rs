//! `ws text` and `ws byte`: one message, then the close handshake.

use crate::cli::SendArgs;
use crate::error::{Error, Result};

/// Which frame to send.
pub(crate) enum Kind {
    Text,
    Binary,
}

pub(crate) fn run(_args: SendArgs, _kind: Kind) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
