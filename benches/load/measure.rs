//! Timing whole processes: wall time from spawn to exit and peak resident
//! memory (the process's own high-water mark), and the median, min and
//! max of several runs.

use std::process::Command;
use std::time::{Duration, Instant};

/// One finished process.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub wall: Duration,
    pub rss_kib: u64,
    pub status: i32,
}

/// Runs `command` to its end. The peak memory is the child's own: the
/// `ru_maxrss` of `wait4` counts, besides the child's peak, this
/// harness's own peak at the spawn (a spawned child carries it across
/// `exec`), so when it is no higher than that, the figure is the child's
/// `VmHWM` as a thread of its own last read it before the exit instead.
pub fn time(command: &mut Command) -> Result<Run, String> {
    let ours = vm_hwm_kib(std::process::id()).unwrap_or(0);
    let start = Instant::now();
    let child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let pid = child.id();
    let watcher = std::thread::spawn(move || {
        let mut peak = 0;
        while let Some(now) = vm_hwm_kib(pid) {
            peak = peak.max(now);
            std::thread::sleep(Duration::from_millis(2));
        }
        peak
    });
    // Waits for the exit without reaping, so the pid stays the child's
    // while the watcher reads it.
    // SAFETY: siginfo is plain data that waitid fills in.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let exited = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    let wall = start.elapsed();
    let watched = watcher.join().map_err(|_| "the memory watcher failed")?;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if exited != 0 || reaped != pid as libc::pid_t {
        return Err("waiting for the process failed".into());
    }
    let status = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    let reported = usage.ru_maxrss as u64;
    Ok(Run {
        wall,
        rss_kib: if reported > ours { reported } else { watched },
        status,
    })
}

/// The peak resident memory of process `pid` so far, in KiB; `None` once
/// it has exited.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
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
