//! The pages `ws` takes from the system: small ones while its heap is
//! small, so a listener or a one-shot costs a few MiB, and huge ones once
//! it holds tens of MiB, where they save page faults (src/allocator.rs).
//! Both tests read the process's own accounting (`AnonHugePages` in
//! /proc/PID/smaps_rollup) while it runs.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Stdio};

use crate::support::server::{Action, TestServer};
use crate::support::{home, ws_cmd};

/// Whether this system gives transparent huge pages to memory that asks
/// for them; where it does not, nothing here can differ and the tests say so.
fn huge_pages_offered() -> bool {
    let offered = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .is_ok_and(|mode| mode.contains("[always]") || mode.contains("[madvise]"));
    if !offered {
        eprintln!("skipped: this system offers no transparent huge pages");
    }
    offered
}

/// The KiB of process `pid`'s memory held in huge pages.
fn huge_page_kib(pid: u32) -> u64 {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .expect("/proc/PID/smaps_rollup");
    rollup
        .lines()
        .find_map(|line| line.strip_prefix("AnonHugePages:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no AnonHugePages in {rollup}"))
}

/// Starts `ws ARGS…` with its output piped, and a reader of its standard output.
fn start(home: &Path, args: &[&str]) -> (Child, BufReader<ChildStdout>) {
    let mut child = ws_cmd(home)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ws starts");
    let stdout = BufReader::new(child.stdout.take().expect("a stdout pipe"));
    (child, stdout)
}

/// Reads `ws`'s standard output up to a line holding `needle`.
fn read_until(stdout: &mut BufReader<ChildStdout>, needle: &str) {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        let read = stdout.read_line(&mut line).expect("ws's standard output");
        assert!(read > 0, "ws ended before printing {needle:?}: {seen}");
        if line.contains(needle) {
            return;
        }
        seen.push_str(&line);
    }
}

/// Ends `child` and shows what it wrote on standard error.
fn stop(mut child: Child) -> String {
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    stderr
}

#[test]
fn a_listener_that_has_received_takes_no_huge_pages() {
    if !huge_pages_offered() {
        return;
    }
    let server = TestServer::scripted(vec![Action::text("first words")]);
    let home = home();
    let (child, mut stdout) = start(home.path(), &["listen", &server.url()]);
    // Connected, received and printed: every thread of the listener ran.
    read_until(&mut stdout, "first words");
    let huge = huge_page_kib(child.id());
    let stderr = stop(child);
    assert_eq!(
        huge, 0,
        "an idle listener holds {huge} KiB in huge pages ({stderr})"
    );
}

#[test]
fn a_script_holding_tens_of_mib_gets_huge_pages() {
    if !huge_pages_offered() {
        return;
    }
    let server = TestServer::echo();
    let home = home();
    // 600 echoes of 64 KiB, 39 MiB, held at once.
    let script = home.path().join("hold.rhai");
    std::fs::write(
        &script,
        "let pad = \"\";\npad.pad(65536, 'x');\n\
         for i in 0..600 { text(pad); }\n\
         let held = [];\n\
         for i in 0..600 { held.push(recv()); }\n\
         print(`held ${held.len()}`);\n\
         sleep(60);\n",
    )
    .expect("the script is written");
    let script = script.to_str().expect("a UTF-8 path");
    let (child, mut stdout) = start(home.path(), &["run", script, &server.url()]);
    read_until(&mut stdout, "held 600");
    let huge = huge_page_kib(child.id());
    let stderr = stop(child);
    assert!(huge > 0, "39 MiB held, none of it in huge pages ({stderr})");
}
