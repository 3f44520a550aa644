//! The process's tokio runtime. Connections live on it; blocking callers (the
//! Rhai engine, the prompt) talk to them over channels and never `block_on`
//! from inside it.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

/// The shared runtime, started on first use.
pub(crate) fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ws-io")
            .enable_all()
            .build()
            .unwrap_or_else(|e| {
                eprintln!("ws: error: cannot start the I/O runtime: {e}");
                std::process::exit(1)
            })
    })
}
