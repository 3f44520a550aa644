//! SIGINT and the signals that end the process (SIGTERM, SIGHUP when the
//! terminal goes away, SIGQUIT), installed once on the runtime and turned
//! into a cancellation of the work under way ([`Interrupt`]) and, for the
//! interactive loop, a call that ends the session (it closes with 1001 and
//! completes the transcripts).

use std::future::Future;

use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::cancel::Interrupt;
use crate::runtime::runtime;

/// The signals that end `ws` the way SIGTERM does: every open connection
/// closed with 1001 and every transcript completed.
pub(crate) const ENDING: [SignalKind; 3] = [
    SignalKind::terminate(),
    SignalKind::hangup(),
    SignalKind::quit(),
];

/// Installs handlers for SIGINT and every signal of [`ENDING`] (inside
/// the runtime); the future completes on the first of them.
pub(crate) fn stop() -> std::io::Result<impl Future<Output = ()>> {
    let mut int = signal(SignalKind::interrupt())?;
    let mut ends = ending_signals()?;
    Ok(async move {
        tokio::select! {
            _ = int.recv() => {}
            () = first(&mut ends) => {}
        }
    })
}

/// Handlers for every signal of [`ENDING`] (inside the runtime).
fn ending_signals() -> std::io::Result<Vec<Signal>> {
    ENDING.iter().map(|kind| signal(*kind)).collect()
}

/// Completes when any of `signals` arrives.
async fn first(signals: &mut [Signal]) {
    let waits = signals.iter_mut().map(|s| Box::pin(s.recv()));
    futures_util::future::select_all(waits).await;
}

/// A new interrupt, fired on SIGINT and the [`ENDING`] signals from now on
/// (see [`install`]): for a command that must end on them from its first
/// wait (a connect) to its last.
pub(crate) fn interrupt() -> Interrupt {
    let interrupt = Interrupt::new();
    install(interrupt.clone(), None);
    interrupt
}

/// Fires `interrupt` on SIGINT and the [`ENDING`] signals; these also call
/// `on_end` when given. The handlers are in place when this returns, so a
/// signal sent right after is caught.
pub(crate) fn install(interrupt: Interrupt, on_end: Option<Box<dyn Fn() + Send>>) {
    // Without a runtime no command runs; its starter reports why.
    let Ok(runtime) = runtime() else {
        return;
    };
    let _guard = runtime.enter();
    let (Ok(mut int), Ok(mut ends)) = (signal(SignalKind::interrupt()), ending_signals()) else {
        return;
    };
    runtime.spawn(async move {
        loop {
            let ending = tokio::select! {
                _ = int.recv() => false,
                () = first(&mut ends) => true,
            };
            interrupt.fire();
            if ending && let Some(on_end) = &on_end {
                on_end();
            }
        }
    });
}
