//! How the C library copies the echo server's payloads (declared by
//! `main.rs`: only the binary does this, never the library).
//!
//! glibc (2.36, as in Debian 12) copies 4 KiB and more with `rep movsb`
//! where the processor advertises it as fast. On AMD processors that
//! instruction runs 20 to 35 times slower when the destination sits a few
//! bytes further into its cache line than the source: 18.7 µs for 64 KiB
//! instead of 1.1, 4.6 µs for 16 KiB instead of 0.16 (measured here on
//! an AMD EPYC). tungstenite copies every payload it sends into its write
//! buffer, behind a header of 2 to 14 bytes, so an echo server takes that
//! path for most echoes of 4 KiB or more.
//!
//! glibc reads the size from which it uses `rep movsb` from the
//! environment (`GLIBC_TUNABLES`) as a program starts, and only then. So
//! `ws echo-server` on an AMD processor starts itself again, once, with
//! that size raised to [`REP_MOVSB_FROM`]; its vector loop, which takes any
//! alignment at full speed, does the copies below it. Echoes of 16 KiB
//! came back 1.29 times as fast with 64 in flight on one connection, 1.09
//! on eight, and 1.03 and 1.09 with one in flight (medians of 5 paired
//! runs, `wsbench echo-load`).
//! A value the user set for it is left as it is, and so is every other
//! command: the scripts' bulk exchange showed no difference, and a
//! one-shot would pay the second start.

use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// The glibc setting, as `GLIBC_TUNABLES` names it.
const TUNABLE: &str = "glibc.cpu.x86_rep_movsb_threshold";
/// Set for the new start, so there is only one whatever glibc makes of
/// `GLIBC_TUNABLES` (it rewrites the variable as it reads it, and how it
/// treats it differs between versions and for setuid programs).
const RESTARTED: &str = "WS_RESTARTED_FOR_COPIES";
/// Copies from this size on go to `rep movsb` (beyond it glibc's own
/// choice for large copies, non-temporal stores, takes over anyway).
const REP_MOVSB_FROM: usize = 4 << 20;

/// For `ws echo-server` on an AMD processor, replaces the process with a
/// new start of the same program and arguments, with [`TUNABLE`] set;
/// returns when there is nothing to do or the new start failed (the
/// server then runs as it is).
pub(crate) fn tune_for_echo_server() {
    // The command is always the first argument (`ws` has no options
    // before it, and no other name for it).
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_default();
    let args: Vec<OsString> = args.collect();
    let echo_server = args.first().map(OsString::as_os_str) == Some(OsStr::new("echo-server"));
    if !echo_server || std::env::var_os(RESTARTED).is_some() || !amd() {
        return;
    }
    // A value that is not text is left as it is.
    let set = std::env::var_os("GLIBC_TUNABLES").unwrap_or_default();
    let Some(tunables) = set.to_str().and_then(with_threshold) else {
        return;
    };
    // Only returns if the new start failed.
    let _ = Command::new("/proc/self/exe")
        .arg0(program)
        .args(args)
        .env("GLIBC_TUNABLES", tunables)
        .env(RESTARTED, "1")
        .exec();
}

/// `GLIBC_TUNABLES` with [`TUNABLE`] added; `None` when it is set already
/// (by the user, or by the first start).
fn with_threshold(set: &str) -> Option<String> {
    if set.split(':').any(|t| t.split('=').next() == Some(TUNABLE)) {
        return None;
    }
    let ours = format!("{TUNABLE}={REP_MOVSB_FROM}");
    Some(match set {
        "" => ours,
        _ => format!("{set}:{ours}"),
    })
}

/// Whether the processor is AMD's.
fn amd() -> bool {
    let id = std::arch::x86_64::__cpuid(0);
    let vendor = [id.ebx, id.edx, id.ecx].map(u32::to_le_bytes).concat();
    vendor == b"AuthenticAMD"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_added_once_and_a_users_own_is_kept() {
        let ours = format!("{TUNABLE}={REP_MOVSB_FROM}");
        assert_eq!(with_threshold("").as_deref(), Some(ours.as_str()));
        let other = "glibc.malloc.arena_max=2";
        assert_eq!(with_threshold(other), Some(format!("{other}:{ours}")));
        assert_eq!(with_threshold(&ours), None);
        assert_eq!(with_threshold(&format!("{other}:{TUNABLE}=9000")), None);
    }
}
