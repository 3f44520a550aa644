//! SIGINT and the signals that end the process (SIGTERM, SIGHUP when the
//! terminal goes away, SIGQUIT), installed once on the runtime and turned
//! into the interrupt flag (stops running code) and, for the interactive
//! loop, a control event (ends the session with 1001, transcripts
//! complete).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use tokio::signal::unix::{Signal, SignalKind, signal};

use crate::runtime::runtime;
use crate::session::Control;

/// The signals that end `ws` the way SIGTERM does: every open connection
/// closed with 1001 and every transcript completed.
pub(crate) const ENDING: [SignalKind; 3] = [
    SignalKind::terminate(),
    SignalKind::hangup(),
    SignalKind::quit(),
];

/// Installs handlers for every signal of [`ENDING`] (inside the runtime);
/// the future completes on the first of them.
pub(crate) fn ending() -> std::io::Result<impl Future<Output = ()>> {
    let mut signals = ending_signals()?;
    Ok(async move { first(&mut signals).await })
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

/// A new interrupt flag, set on SIGINT and the [`ENDING`] signals from now
/// on (see [`install`]): for a command that must end on them from its
/// first wait (a connect) to its last.
pub(crate) fn flag() -> Arc<AtomicBool> {
    let interrupt = Arc::new(AtomicBool::new(false));
    install(interrupt.clone(), None);
    interrupt
}

/// Sets `interrupt` on SIGINT and the [`ENDING`] signals; these also send
/// [`Control::Terminate`] when a control channel is given. The handlers
/// are in place when this returns, so a signal sent right after is caught.
pub(crate) fn install(interrupt: Arc<AtomicBool>, control: Option<Sender<Control>>) {
    let _guard = runtime().enter();
    let (Ok(mut int), Ok(mut ends)) = (signal(SignalKind::interrupt()), ending_signals()) else {
        return;
    };
    runtime().spawn(async move {
        loop {
            let terminate = tokio::select! {
                _ = int.recv() => false,
                () = first(&mut ends) => true,
            };
            interrupt.store(true, Ordering::SeqCst);
            if terminate && let Some(control) = &control {
                let _ = control.send(Control::Terminate);
            }
        }
    });
}
