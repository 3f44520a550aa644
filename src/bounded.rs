//! Reading what the user names (a file, standard input) up to a bound, so
//! `file@/dev/zero` or a log file sent by mistake is an error that names
//! the setting rather than all of memory.

use std::io::{self, Read};
use std::path::Path;

/// Reads `reader` to its end if that is at most `limit` bytes (0: no
/// limit, as in Rhai's settings); `None` when there is more.
pub(crate) fn read_at_most(reader: impl Read, limit: usize) -> io::Result<Option<Vec<u8>>> {
    let limit = if limit == 0 { usize::MAX } else { limit };
    let mut bytes = Vec::new();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    reader.take(cap).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}

/// The file at `path` if it is at most `limit` bytes; `None` when larger.
pub(crate) fn read_file(path: impl AsRef<Path>, limit: usize) -> io::Result<Option<Vec<u8>>> {
    read_at_most(std::fs::File::open(path)?, limit)
}

/// What is said of a file or standard input over a limit: `what` is
/// "PATH" or "standard input", `setting` the setting's name.
pub(crate) fn too_large(what: &str, setting: &str, limit: usize) -> String {
    format!("{what} is larger than {setting} ({limit} bytes)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_no_further() {
        let ten = [7u8; 10];
        assert_eq!(read_at_most(&ten[..], 10).unwrap(), Some(ten.to_vec()));
        assert_eq!(read_at_most(&ten[..], 9).unwrap(), None);
        assert_eq!(read_at_most(&ten[..], 0).unwrap(), Some(ten.to_vec()));
        // An endless source stops one byte past the limit.
        assert_eq!(read_at_most(io::repeat(1), 1000).unwrap(), None);
    }
}
