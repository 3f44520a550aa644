//! `ws ping` and `ws pong`.

use crate::cli::PingArgs;
use crate::error::{Error, Result};

/// Which control frame to send.
pub(crate) enum Kind {
    Ping,
    Pong,
}

pub(crate) fn run(_args: PingArgs, _kind: Kind) -> Result<i32> {
    Err(Error::Usage("this command is being built".into()))
}
