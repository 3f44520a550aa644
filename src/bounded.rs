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

/// The most read of a file of code or settings the user names (a
/// script, a preamble, a settings file, a TLS certificate or key): far more
/// than any of them holds, so a wrong path (a device, a log) is an error
/// rather than all of memory.
pub(crate) const CONFIG_LIMIT: usize = 16 << 20;

/// The file of code or settings at `path`, whole, up to [`CONFIG_LIMIT`];
/// a larger one is an error that says so.
pub(crate) fn read_config(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    config_bytes(std::fs::File::open(path)?)
}

/// [`read_config`], as text.
pub(crate) fn read_config_text(path: impl AsRef<Path>) -> io::Result<String> {
    config_text(std::fs::File::open(path)?)
}

/// Code or settings from `reader` (standard input), as text, up to
/// [`CONFIG_LIMIT`].
pub(crate) fn config_text(reader: impl Read) -> io::Result<String> {
    String::from_utf8(config_bytes(reader)?).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

fn config_bytes(reader: impl Read) -> io::Result<Vec<u8>> {
    read_at_most(reader, CONFIG_LIMIT)?.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "it is larger than {} MiB, more than a script, settings or key file holds",
                CONFIG_LIMIT >> 20
            ),
        )
    })
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

    #[test]
    fn a_file_of_code_or_settings_is_read_up_to_its_limit() {
        let error = config_bytes(io::repeat(b'x')).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::FileTooLarge);
        assert!(
            error.to_string().starts_with("it is larger than 16 MiB"),
            "{error}"
        );
        assert_eq!(config_text(&b"print(1);"[..]).unwrap(), "print(1);");
        let error = config_text(&[0xff, 0xfe][..]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }
}
