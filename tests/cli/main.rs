//! The integration tests: the real `ws` binary driven as a user drives it,
//! against servers on 127.0.0.1 that record what they receive.

mod bounds;
mod browser;
mod compression;
mod connect;
mod echo_server;
mod engine;
mod hostile;
mod hostile_rhai;
mod input;
mod keepalive;
mod manners;
mod oneshot;
mod pipe;
mod protocols;
mod reconnect;
mod replay;
mod run;
mod safety;
mod save;
mod session;
mod settings;
mod support;
mod test_runner;
mod tls;
mod transcript;
mod transcript_errors;
mod values;
mod wire_errors;
