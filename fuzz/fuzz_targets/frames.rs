//! Any bytes as a peer's frames after the handshake, cut anywhere, through
//! the compression layer and tungstenite, as client or server, compressed
//! or not: errors, never a panic, and no message past the size limit.
//! `ws::internals::frames` says how the bytes are read.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ws::internals::frames(data);
});
