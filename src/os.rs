//! What `ws` asks of the operating system beyond std: the terminal's width
//! and mode, the local time of day, and which errors mean "out of
//! resources". Everything platform-specific lives here, through rustix and
//! jiff, so a port to another system is a matter of this file.

use std::io;
use std::time::SystemTime;

use rustix::termios::{self, OptionalActions, Termios};

/// The columns of the terminal on standard output, if it is one.
pub(crate) fn stdout_columns() -> Option<usize> {
    let size = termios::tcgetwinsize(io::stdout()).ok()?;
    (size.ws_col > 0).then_some(usize::from(size.ws_col))
}

/// The settings of the terminal on standard input, to put back later.
pub(crate) struct TerminalMode(Termios);

impl TerminalMode {
    /// The current settings, when standard input is a terminal.
    pub(crate) fn save() -> Option<Self> {
        termios::tcgetattr(io::stdin()).ok().map(Self)
    }

    /// Puts the saved settings back.
    pub(crate) fn restore(&self) {
        let _ = termios::tcsetattr(io::stdin(), OptionalActions::Now, &self.0);
    }
}

/// The local wall-clock time of `at` as hours, minutes and seconds (UTC
/// when the time zone cannot be found).
pub(crate) fn local_time_of_day(at: SystemTime) -> (u8, u8, u8) {
    let zone = jiff::tz::TimeZone::system();
    let time = jiff::Timestamp::try_from(at)
        .map(|t| t.to_zoned(zone).time())
        .unwrap_or_default();
    (
        time.hour().unsigned_abs(),
        time.minute().unsigned_abs(),
        time.second().unsigned_abs(),
    )
}

/// Whether an error means the process or the system ran out of file
/// descriptors or memory, which only time (clients leaving) cures.
pub(crate) fn out_of_resources(error: &io::Error) -> bool {
    use rustix::io::Errno;
    let errno = Errno::from_io_error(error);
    [Errno::MFILE, Errno::NFILE, Errno::NOBUFS, Errno::NOMEM]
        .into_iter()
        .any(|e| Some(e) == errno)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn time_of_day_is_in_range_and_moves_with_the_clock() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let (h, m, s) = local_time_of_day(at);
        assert!(h < 24 && m < 60 && s < 60);
        let later = local_time_of_day(at + Duration::from_secs(61));
        assert_eq!((later.1 + 60 - m) % 60, 1);
        assert_eq!((later.2 + 60 - s) % 60, 1);
    }

    #[test]
    fn resource_errors_are_told_apart() {
        use rustix::io::Errno;
        assert!(out_of_resources(&Errno::MFILE.into()));
        assert!(out_of_resources(&Errno::NOMEM.into()));
        assert!(!out_of_resources(&Errno::CONNREFUSED.into()));
        assert!(!out_of_resources(&io::Error::other("x")));
    }
}
