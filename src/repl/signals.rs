//! SIGINT and SIGTERM, installed once on the runtime and turned into the
//! interrupt flag (stops running code) and, for the interactive loop, a
//! control event (ends the session).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use tokio::signal::unix::{SignalKind, signal};

use crate::runtime::runtime;
use crate::session::Control;

/// Sets `interrupt` on SIGINT and SIGTERM; SIGTERM also sends
/// [`Control::Terminate`] when a control channel is given.
pub(crate) fn install(interrupt: Arc<AtomicBool>, control: Option<Sender<Control>>) {
    let _guard = runtime().enter();
    let (Ok(mut int), Ok(mut term)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    runtime().spawn(async move {
        loop {
            let terminate = tokio::select! {
                _ = int.recv() => false,
                _ = term.recv() => true,
            };
            interrupt.store(true, Ordering::SeqCst);
            if terminate && let Some(control) = &control {
                let _ = control.send(Control::Terminate);
            }
        }
    });
}
