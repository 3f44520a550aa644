//! Runs the tests side by side: up to `jobs` at once, each on a worker
//! thread (an engine is bound to its thread). One loop here starts
//! tries, collects their outcomes, stops a try that runs past the timeout
//! (its interrupt flag, then a grace period, after which its worker is left
//! behind and a new one takes its place), retries failures and stops
//! starting new tests after a failure with `--fail-fast`. Once the run's
//! interrupt fires (Ctrl+C, SIGTERM), the tries under way are stopped the
//! same way and no test starts: the rest are skipped. The loop sleeps
//! until a try ends, the next deadline, or the interrupt.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use super::case::{Environment, attempt, capture};
use super::{Outcome, Status, TestCase, TestResult};
use crate::cancel::Interrupt;
use crate::runtime::runtime;
use crate::transcript::Recorder;

/// How long a stopped test gets to wind down before it is left behind.
const GRACE: Duration = Duration::from_secs(2);

/// How the tests are run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub jobs: usize,
    pub timeout: Duration,
    pub retries: u32,
    pub fail_fast: bool,
    /// Fired to stop the run (Ctrl+C, SIGTERM).
    pub interrupt: Interrupt,
}

/// Why a try was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Timeout,
    Interrupt,
}

/// A try under way.
struct Running {
    index: usize,
    try_number: u32,
    deadline: Instant,
    cancel: Interrupt,
    stopped: Option<Stop>,
    /// The thread running it, back to the idle ones when it is done.
    worker: Option<Sender<Job>>,
    /// What it has shown so far.
    capture: Recorder,
}

/// A try for a worker: its id, the test, what stops it and where its
/// lines go.
type Job = (u64, TestCase, Interrupt, Recorder);

/// What wakes the loop: a try that ended, or the run's interrupt.
enum Note {
    Done(u64, Outcome),
    Interrupted,
}

/// A thread that runs the tries it is sent, one after the other, until its
/// sender is dropped. A test's engine lives on the thread that runs it, so
/// a worker keeps each file compiled once (see `case`).
fn spawn_worker(env: Arc<Environment>, done: Sender<Note>) -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("ws-test".into())
        .stack_size(crate::script::STACK)
        .spawn(move || {
            for (id, case, cancel, capture) in queue {
                if done
                    .send(Note::Done(id, attempt(&case, &env, cancel, capture)))
                    .is_err()
                {
                    return;
                }
            }
        })?;
    Ok(jobs)
}

/// The state of one run.
struct Run<'a> {
    cases: &'a [TestCase],
    env: Arc<Environment>,
    plan: &'a Plan,
    pending: VecDeque<(usize, u32)>,
    running: HashMap<u64, Running>,
    next_id: u64,
    /// The first failed try of each test, kept to explain a flaky one.
    first_failure: HashMap<usize, Outcome>,
    results: Vec<Option<TestResult>>,
    stop: bool,
    interrupted: bool,
    done: Sender<Note>,
    /// Worker threads waiting for a try.
    idle: Vec<Sender<Job>>,
}

/// Runs every case; `on_done` sees each result as it is known (in the
/// order tests finish). Returns the results in the order of `cases`.
pub(crate) fn run(
    cases: &[TestCase],
    env: Environment,
    plan: &Plan,
    mut on_done: impl FnMut(&TestResult),
) -> Vec<TestResult> {
    let (done, outcomes) = mpsc::channel();
    let token = plan.interrupt.token();
    let interrupted = done.clone();
    // The tests' connections need the runtime; without one each test
    // fails with the reason, and nothing is left to watch.
    let watch = runtime().ok().map(|runtime| {
        runtime.spawn(async move {
            token.cancelled().await;
            let _ = interrupted.send(Note::Interrupted);
        })
    });
    let mut run = Run {
        cases,
        env: Arc::new(env),
        plan,
        pending: (0..cases.len()).map(|i| (i, 1)).collect(),
        running: HashMap::new(),
        next_id: 0,
        first_failure: HashMap::new(),
        results: vec![None; cases.len()],
        stop: false,
        interrupted: false,
        done,
        idle: Vec::new(),
    };
    loop {
        run.start_more();
        if run.running.is_empty() {
            break;
        }
        let wake = run.running.values().map(|r| r.deadline).min();
        let wait = wake.map_or(Duration::ZERO, |w| {
            w.saturating_duration_since(Instant::now())
        });
        match outcomes.recv_timeout(wait) {
            Ok(Note::Done(id, outcome)) => {
                if let Some(mut running) = run.running.remove(&id) {
                    run.idle.extend(running.worker.take());
                    run.finished(running, outcome, &mut on_done);
                }
            }
            Ok(Note::Interrupted) if !run.interrupted => run.interrupt(),
            Ok(Note::Interrupted) => {}
            Err(RecvTimeoutError::Timeout) => run.expire(&mut on_done),
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    if let Some(watch) = watch {
        watch.abort();
    }
    for (index, _) in std::mem::take(&mut run.pending) {
        run.record(index, Outcome::skipped(), &mut on_done);
    }
    run.results.into_iter().flatten().collect()
}

impl Run<'_> {
    fn start_more(&mut self) {
        while !self.stop && self.running.len() < self.plan.jobs.max(1) {
            let Some((index, try_number)) = self.pending.pop_front() else {
                return;
            };
            let (cancel, capture) = (Interrupt::new(), capture());
            let id = self.next_id;
            self.next_id += 1;
            let case = self.cases[index].clone();
            let job = (id, case, cancel.clone(), capture.clone());
            let worker = match self.idle.pop() {
                Some(worker) => Ok(worker),
                None => spawn_worker(self.env.clone(), self.done.clone()),
            };
            let started = worker.and_then(|worker| {
                worker
                    .send(job)
                    .map(|()| worker)
                    .map_err(|_| std::io::Error::other("the worker thread ended"))
            });
            let running = Running {
                index,
                try_number,
                deadline: Instant::now() + self.plan.timeout,
                cancel,
                stopped: None,
                worker: None,
                capture,
            };
            match started {
                Ok(worker) => {
                    let worker = Some(worker);
                    self.running.insert(id, Running { worker, ..running });
                }
                Err(e) => {
                    let outcome = error_outcome(format!("cannot start the test: {e}"));
                    self.finished(running, outcome, &mut |_: &TestResult| {});
                }
            }
        }
    }

    /// Stops tries past their deadline; leaves behind those that did not
    /// stop within the grace period.
    fn expire(&mut self, on_done: &mut impl FnMut(&TestResult)) {
        let now = Instant::now();
        let due = |r: &Running| r.deadline <= now;
        for running in self.running.values_mut() {
            if due(running) && running.stopped.is_none() {
                // Its deadline moves to the end of the grace period.
                running.stop(Stop::Timeout, now);
            }
        }
        let left_behind: Vec<Running> = self
            .running
            .extract_if(|_, r| due(r))
            .map(|(_, running)| running)
            .collect();
        for running in left_behind {
            // It did not stop: reported with what it showed so far.
            let mut outcome = error_outcome(String::new());
            outcome.stopped = true;
            outcome.transcript = running.capture.lines();
            self.finished(running, outcome, on_done);
        }
    }

    /// Stops every try under way and starts no more.
    fn interrupt(&mut self) {
        self.interrupted = true;
        self.stop = true;
        let now = Instant::now();
        for running in self.running.values_mut() {
            running.stop(Stop::Interrupt, now);
        }
    }

    /// A try ended: retry it, or record the test's result.
    fn finished(
        &mut self,
        running: Running,
        mut outcome: Outcome,
        on_done: &mut impl FnMut(&TestResult),
    ) {
        match running.stopped {
            // A test that failed on its own keeps its failure: the timeout
            // only cut the close after it short.
            Some(Stop::Timeout) if outcome.status.is_failure() && !outcome.stopped => {
                outcome.message.push_str(&format!(
                    "\n(then stopped at {} s (--timeout) while closing its connections)",
                    self.plan.timeout.as_secs_f64()
                ));
            }
            Some(Stop::Timeout) => {
                outcome.status = Status::TimedOut;
                outcome.duration = outcome.duration.max(self.plan.timeout);
                outcome.message = format!(
                    "the test ran longer than {} s (--timeout) and was stopped",
                    self.plan.timeout.as_secs_f64()
                );
            }
            Some(Stop::Interrupt) if outcome.status.is_failure() => {
                outcome.message = "the test was stopped by Ctrl+C or SIGTERM".into();
            }
            _ => {}
        }
        let index = running.index;
        outcome.tries = running.try_number;
        if outcome.status.is_failure() {
            if running.try_number <= self.plan.retries && !self.interrupted {
                self.first_failure.entry(index).or_insert(outcome);
                self.pending.push_front((index, running.try_number + 1));
                return;
            }
        } else if let Some(first) = self.first_failure.remove(&index) {
            outcome.status = Status::Flaky;
            outcome.message = format!(
                "passed on try {} of {}; try 1 ended {}:\n{}",
                running.try_number,
                self.plan.retries + 1,
                first.status.word(),
                first.message
            );
        }
        self.record(index, outcome, on_done);
    }

    fn record(&mut self, index: usize, outcome: Outcome, on_done: &mut impl FnMut(&TestResult)) {
        if outcome.status.is_failure() && self.plan.fail_fast {
            self.stop = true;
        }
        let result = TestResult {
            case: self.cases[index].clone(),
            outcome,
        };
        on_done(&result);
        self.results[index] = Some(result);
    }
}

impl Running {
    /// Tells the try to stop; it has [`GRACE`] to do so.
    fn stop(&mut self, why: Stop, now: Instant) {
        self.cancel.fire();
        self.stopped = Some(why);
        self.deadline = now + GRACE;
    }
}

fn error_outcome(message: String) -> Outcome {
    Outcome {
        status: Status::Error,
        duration: Duration::ZERO,
        message,
        transcript: Vec::new(),
        tries: 1,
        stopped: false,
    }
}
