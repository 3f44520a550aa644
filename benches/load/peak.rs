//! A child's end and its own peak memory. `wait4`'s `ru_maxrss` counts,
//! besides the child's own peak, the peak of the process that spawned it
//! (the child carries it across `exec`), so a busy test run or a harness
//! that read a large file would be blamed on `ws`. When that figure is no
//! higher than our own peak, the child's own high-water mark (`VmHWM`), as
//! a thread of its own last read it before the exit, is taken instead: a
//! rise in the last milliseconds can be missed, never invented.

use std::process::Child;
use std::thread;
use std::time::{Duration, Instant};

/// How a child ended.
pub struct Exit {
    /// The raw wait status (`libc::WIFEXITED` and the rest read it).
    pub status: libc::c_int,
    /// When the exit was seen.
    pub at: Instant,
    /// Its peak resident memory, in KiB.
    pub peak_kib: u64,
}

/// Waits for `child` to exit and reaps it.
pub fn wait(child: Child) -> Result<Exit, String> {
    let ours = vm_hwm_kib(std::process::id()).unwrap_or(0);
    let pid = child.id();
    let watcher = thread::spawn(move || {
        let mut peak = 0;
        while let Some(now) = vm_hwm_kib(pid) {
            peak = peak.max(now);
            thread::sleep(Duration::from_millis(2));
        }
        peak
    });
    // Waits for the exit without reaping, so the pid stays the child's
    // while the watcher reads it.
    // SAFETY: siginfo is plain data that waitid fills in.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let flags = libc::WEXITED | libc::WNOWAIT;
    let exited = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) };
    let at = Instant::now();
    let watched = watcher.join().map_err(|_| "the memory watcher failed")?;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in, for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    if exited != 0 || reaped != pid as libc::pid_t {
        return Err("waiting for the process failed".into());
    }
    let reported = usage.ru_maxrss as u64;
    Ok(Exit {
        status,
        at,
        peak_kib: if reported > ours { reported } else { watched },
    })
}

/// The peak resident memory of process `pid` so far, in KiB; `None` once
/// it has exited (a zombie has no memory left to report).
pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}
