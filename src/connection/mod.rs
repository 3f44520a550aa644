//! Client connections and what they share with the echo server. The
//! client core ([`client`]) is one connection as a user asked for it, with
//! its dial, engine, keepalive, preamble, reconnect and close; every client
//! command drives one. [`Connection`] is the blocking, cloneable handle the
//! engine and the prompt use, with a task of its own ([`task`]). This module
//! knows nothing of Rhai or the console: it reports what happens through an
//! [`Observer`] and keeps messages for `recv` in its inbox.

mod client;
mod close;
pub mod deflate;
mod dial;
mod engine;
mod handle;
mod keepalive;
mod options;
mod proxy;
mod read_ahead;
mod reconnect;
pub mod redact;
mod task;
mod tls;
pub mod url;

pub use crate::message::Message;
pub use client::Observer;
pub(crate) use client::{Client, ClientSettings, Event};
pub(crate) use close::closed_error;
pub use close::{CloseInfo, Closer, check_close_code, check_control_payload, parse_close_code};
pub(crate) use dial::ws_config;
pub use dial::{WsStream, check_options, dial};
pub(crate) use engine::{Engine, Limits, Step, cost as message_cost};
pub use handle::{Connection, RecvError};
pub(crate) use handle::{HandleSettings, Sought};
pub use keepalive::{KeepaliveSettings, Note};
pub use options::{ConnectOptions, TlsFiles};
pub use reconnect::{Preamble, ReconnectSettings};
pub(crate) use tls::INSECURE_WARNING;
