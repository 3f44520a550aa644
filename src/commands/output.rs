//! Standard output for `ws listen`, written by a thread of its own (a
//! [`Spool`]), so a reader that stops taking it (a terminal paused with
//! Ctrl+S, a slow pipe) never stops the connection's reads and pongs. At
//! most [`QUEUE_BYTES`] wait; messages beyond are not shown, and their
//! number is reported on standard error once output moves again.

use std::io::{self, Write};

use crate::console::spool::{Drain, Spool};
use crate::console::{Console, Line, Role};

/// How many bytes of output may wait for a reader that does not take them.
pub(crate) const QUEUE_BYTES: usize = 16 * 1024 * 1024;

/// Starts the thread that writes standard output.
pub(crate) fn stdout() -> io::Result<Spool> {
    Spool::start("ws-stdout", QUEUE_BYTES, Stdout)
}

struct Stdout;

impl Drain for Stdout {
    fn write(&mut self, batch: Vec<Vec<u8>>) -> io::Result<()> {
        let mut out = io::stdout().lock();
        batch.iter().try_for_each(|chunk| out.write_all(chunk))?;
        out.flush()
    }

    fn dropped(&mut self, count: usize) -> io::Result<()> {
        Console::stdio().err(Line::of(
            Role::Warning,
            format!("Standard output did not keep up: {count} message(s) were not shown."),
        ));
        Ok(())
    }
}
