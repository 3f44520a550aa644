//! `ws tail FILE`: the last `-n` lines of a file and, with `-f`, what is
//! appended to it, checked every 100 ms. Following survives truncation (the
//! file shrinks: go on from its start) and rotation (the path now names
//! another file: finish the old one, then follow the new one from its
//! start). Bytes are copied as they are; a closed pipe ends quietly.
//! `ws tail -` reads standard input to its end and prints its last lines,
//! each kept up to `max_message_size` (a longer one is shown cut, with a
//! mark that gives its length); as with `tail`, `-f` does not apply to a
//! pipe, which simply ends.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use crate::cli::TailArgs;
use crate::error::{Error, Result};

/// How often a followed file is looked at.
const POLL: Duration = Duration::from_millis(100);
/// Block size for reading backwards and copying.
const BLOCK: usize = 64 * 1024;

pub(crate) fn run(args: TailArgs) -> Result<i32> {
    let path = args.file.as_path();
    let stdin = path.as_os_str() == "-";
    let copied = if stdin {
        let limit = super::line_limit()?;
        let (input, out) = (io::stdin().lock(), &mut io::stdout().lock());
        last_lines(input, out, args.lines, limit)
    } else {
        tail_file(path, &args)
    };
    match copied {
        Ok(()) => Ok(0),
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(0),
        Err(Failure::Output(e)) => Err(Error::io("cannot write the output", e)),
        Err(Failure::Input(e)) if stdin => Err(Error::io("cannot read standard input", e)),
        Err(Failure::Input(e)) => Err(Error::file("read", path, e)),
    }
}

/// What went wrong while copying: reading the input or writing the output.
enum Failure {
    Input(io::Error),
    Output(io::Error),
}

/// The last lines of the file at `path`, then (`-f`) what is appended to
/// it, until output fails.
fn tail_file(path: &Path, args: &TailArgs) -> Result<(), Failure> {
    let mut file = File::open(path).map_err(Failure::Input)?;
    let length = file.metadata().map_err(Failure::Input)?.len();
    let start = tail_start(&mut file, length, args.lines).map_err(Failure::Input)?;
    file.seek(SeekFrom::Start(start)).map_err(Failure::Input)?;
    let mut out = io::stdout().lock();
    let mut block = vec![0; BLOCK];
    copy_new(&mut file, &mut out, &mut block)?;
    if args.follow {
        match follow(path, file, &mut out, &mut block)? {}
    }
    Ok(())
}

/// Reads `input` to its end, keeping only its last `lines` lines, and
/// writes them. Each line is kept up to `limit` bytes: a longer one is
/// shown cut, followed by a mark with the length it had.
fn last_lines(
    mut input: impl BufRead,
    out: &mut impl Write,
    lines: usize,
    limit: usize,
) -> Result<(), Failure> {
    // Each kept line: its bytes (at most `limit`), its length, and whether
    // a newline ended it.
    let mut kept: VecDeque<(Vec<u8>, u64, bool)> = VecDeque::new();
    let mut line = Vec::new();
    while let Some((length, ended)) =
        crate::bounded::read_line_ending(&mut input, limit, &mut line).map_err(Failure::Input)?
    {
        if lines == 0 {
            continue;
        }
        if kept.len() == lines {
            kept.pop_front();
        }
        kept.push_back((std::mem::take(&mut line), length, ended));
    }
    for (bytes, length, ended) in &kept {
        out.write_all(bytes).map_err(Failure::Output)?;
        if *length > bytes.len() as u64 {
            let mark = format!("\u{2026} [cut: the line is {length} bytes long]");
            out.write_all(mark.as_bytes()).map_err(Failure::Output)?;
        }
        if *ended {
            out.write_all(b"\n").map_err(Failure::Output)?;
        }
    }
    out.flush().map_err(Failure::Output)
}

/// Where the last `lines` lines of the file begin. A newline that ends the
/// file ends the last line rather than starting an empty one.
fn tail_start(file: &mut File, length: u64, lines: usize) -> io::Result<u64> {
    if lines == 0 {
        return Ok(length);
    }
    let mut block = vec![0; BLOCK];
    let mut end = length;
    let mut newlines = 0;
    while end > 0 {
        let size = BLOCK.min(end as usize);
        let start = end - size as u64;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block[..size])?;
        for (i, byte) in block[..size].iter().enumerate().rev() {
            let at = start + i as u64;
            if *byte == b'\n' && at + 1 != length {
                newlines += 1;
                if newlines == lines {
                    return Ok(at + 1);
                }
            }
        }
        end = start;
    }
    Ok(0)
}

/// Copies what the file has past its position to `out` through `block`;
/// returns how many bytes that was.
fn copy_new(file: &mut File, out: &mut impl Write, block: &mut [u8]) -> Result<u64, Failure> {
    let mut copied = 0;
    loop {
        let read = file.read(block).map_err(Failure::Input)?;
        if read == 0 {
            out.flush().map_err(Failure::Output)?;
            return Ok(copied);
        }
        out.write_all(&block[..read]).map_err(Failure::Output)?;
        copied += read as u64;
    }
}

/// Follows the file at `path` until output fails.
fn follow(
    path: &Path,
    mut file: File,
    out: &mut impl Write,
    block: &mut [u8],
) -> Result<std::convert::Infallible, Failure> {
    let mut identity = file.metadata().map_err(Failure::Input)?.ino();
    let mut position = file.stream_position().map_err(Failure::Input)?;
    loop {
        std::thread::sleep(POLL);
        // Missing for now (between a rotation's rename and create): wait.
        let Ok(now) = std::fs::metadata(path) else {
            continue;
        };
        if now.ino() != identity {
            copy_new(&mut file, out, block)?;
            let Ok(next) = File::open(path) else { continue };
            file = next;
            identity = now.ino();
            position = 0;
        } else if now.len() < position {
            file.seek(SeekFrom::Start(0)).map_err(Failure::Input)?;
            position = 0;
        }
        position += copy_new(&mut file, out, block)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_of(text: &str, lines: usize) -> String {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        let start = tail_start(&mut file, text.len() as u64, lines).unwrap();
        text[start as usize..].to_string()
    }

    #[test]
    fn the_last_lines() {
        assert_eq!(start_of("a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(start_of("a\nb\nc", 2), "b\nc");
        assert_eq!(start_of("a\nb\nc\n", 5), "a\nb\nc\n");
        assert_eq!(start_of("a\nb\nc\n", 0), "");
        assert_eq!(start_of("", 3), "");
        assert_eq!(start_of("\n\n\n", 2), "\n\n");
    }

    #[test]
    fn last_lines_of_a_stream_are_kept_whole_or_cut_with_their_length() {
        let tail = |input: &[u8], lines: usize| {
            let mut out = Vec::new();
            last_lines(input, &mut out, lines, 8)
                .map_err(|_| ())
                .unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(tail(b"a\nb\nc\n", 2), "b\nc\n");
        assert_eq!(tail(b"a\nb\nc", 2), "b\nc");
        assert_eq!(tail(b"a\n", 0), "");
        assert_eq!(
            tail(b"0123456789abcdef\nok\n", 2),
            "01234567\u{2026} [cut: the line is 16 bytes long]\nok\n"
        );
    }

    #[test]
    fn lines_across_blocks() {
        let text: String = (0..50_000).map(|i| format!("line {i}\n")).collect();
        assert_eq!(start_of(&text, 3), "line 49997\nline 49998\nline 49999\n");
        assert_eq!(start_of(&text, 50_000), text);
    }
}
