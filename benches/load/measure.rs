//! Timing whole processes: wall time from spawn to exit and peak resident
//! memory (the process's own high-water mark), and the median, min and
//! max of several runs.

use std::process::Command;
use std::time::{Duration, Instant};

use super::peak;

/// One finished process.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub wall: Duration,
    pub rss_kib: u64,
    pub status: i32,
}

/// Runs `command` to its end; the peak memory is the child's own (see
/// [`peak`]).
pub fn time(command: &mut Command) -> Result<Run, String> {
    let start = Instant::now();
    let child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let exit = peak::wait(child)?;
    let status = if libc::WIFEXITED(exit.status) {
        libc::WEXITSTATUS(exit.status)
    } else {
        128 + libc::WTERMSIG(exit.status)
    };
    Ok(Run {
        wall: exit.at - start,
        rss_kib: exit.peak_kib,
        status,
    })
}

/// Median, min and max.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(mut values: Vec<f64>) -> Spread {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        let median = match n {
            0 => 0.0,
            _ if n % 2 == 1 => values[n / 2],
            _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
        };
        Spread {
            median,
            min: values.first().copied().unwrap_or(0.0),
            max: values.last().copied().unwrap_or(0.0),
        }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(1);
        write!(f, "{:.p$} ({:.p$}-{:.p$})", self.median, self.min, self.max)
    }
}
