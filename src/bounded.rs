//! Reading what the user names (a file, standard input) up to a bound, so
//! `file@/dev/zero` or a log file sent by mistake is an error that names
//! the setting rather than all of memory; and lines of any input read up
//! to a bound ([`read_line`]), the one line reader of `ws pipe`, `ws
//! replay`, `ws tail -` and a session reading piped input.

use std::io::{self, BufRead, Read};
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

/// Reads the next line of `reader` into `line`, without its `\n`,
/// keeping at most `limit` bytes of it: the rest of a longer line is read
/// past, never held. Gives the line's whole length (more than
/// `line.len()` when it was cut), or `None` at the end of the input.
pub(crate) fn read_line(
    reader: &mut impl BufRead,
    limit: usize,
    line: &mut Vec<u8>,
) -> io::Result<Option<u64>> {
    Ok(read_line_ending(reader, limit, line)?.map(|(length, _)| length))
}

/// [`read_line`], also telling whether the line ended with a newline (the
/// last line of an input may not).
pub(crate) fn read_line_ending(
    reader: &mut impl BufRead,
    limit: usize,
    line: &mut Vec<u8>,
) -> io::Result<Option<(u64, bool)>> {
    line.clear();
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    if reader.take(cap).read_until(b'\n', line)? == 0 {
        return Ok(None);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(Some((line.len() as u64, true)));
    }
    if line.len() <= limit {
        return Ok(Some((line.len() as u64, false)));
    }
    let mut length = line.len() as u64;
    line.truncate(limit);
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(Some((length, false)));
        }
        match available.iter().position(|&b| b == b'\n') {
            Some(end) => {
                length += end as u64;
                reader.consume(end + 1);
                return Ok(Some((length, true)));
            }
            None => {
                let n = available.len();
                length += n as u64;
                reader.consume(n);
            }
        }
    }
}

/// The lines of `reader` as text, each at most `limit` bytes: a longer
/// line is an error (`FileTooLarge`, naming its number and the limit) and
/// a line that is not UTF-8 one too (`InvalidData`); reading goes on after
/// either.
pub(crate) struct TextLines<R> {
    reader: R,
    limit: usize,
    number: usize,
    line: Vec<u8>,
}

impl<R: BufRead> TextLines<R> {
    pub(crate) fn new(reader: R, limit: usize) -> Self {
        Self {
            reader,
            limit,
            number: 0,
            line: Vec::new(),
        }
    }
}

impl<R: BufRead> Iterator for TextLines<R> {
    type Item = io::Result<String>;

    fn next(&mut self) -> Option<io::Result<String>> {
        let length = match read_line(&mut self.reader, self.limit, &mut self.line) {
            Ok(length) => length?,
            Err(e) => return Some(Err(e)),
        };
        self.number += 1;
        if length > self.line.len() as u64 {
            let message = format!(
                "line {} is {length} bytes long, over max_message_size ({} bytes)",
                self.number, self.limit
            );
            return Some(Err(io::Error::new(io::ErrorKind::FileTooLarge, message)));
        }
        if self.line.last() == Some(&b'\r') {
            self.line.pop();
        }
        Some(
            String::from_utf8(std::mem::take(&mut self.line)).map_err(|_| {
                let message = format!("line {} is not UTF-8 text", self.number);
                io::Error::new(io::ErrorKind::InvalidData, message)
            }),
        )
    }
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
    fn lines_are_kept_up_to_the_limit_and_read_past_beyond_it() {
        let text = b"short\nexactly\nmuch too long\nlast";
        let mut reader = io::BufReader::with_capacity(4, &text[..]);
        let mut line = Vec::new();
        let mut seen = Vec::new();
        while let Some(length) = read_line(&mut reader, 7, &mut line).unwrap() {
            seen.push((String::from_utf8(line.clone()).unwrap(), length));
        }
        let want = [("short", 5), ("exactly", 7), ("much to", 13), ("last", 4)];
        let want: Vec<(String, u64)> = want.iter().map(|(l, n)| (l.to_string(), *n)).collect();
        assert_eq!(seen, want);
    }

    #[test]
    fn an_endless_line_is_read_past_in_bounded_memory() {
        // 64 MiB of one line, then a short one: only 16 bytes are held.
        let endless = io::repeat(b'x').take(64 << 20).chain(&b"\nnext\n"[..]);
        let mut reader = io::BufReader::new(endless);
        let mut line = Vec::new();
        assert_eq!(
            read_line(&mut reader, 16, &mut line).unwrap(),
            Some(64 << 20)
        );
        assert_eq!(line.len(), 16);
        assert!(line.capacity() < 1024);
        assert_eq!(read_line(&mut reader, 16, &mut line).unwrap(), Some(4));
        assert_eq!(line, b"next");
        assert_eq!(read_line(&mut reader, 16, &mut line).unwrap(), None);
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
