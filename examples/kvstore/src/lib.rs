//! kvstore: a small key-value database server over TCP with a write-ahead log, instrumented
//! end to end with vitalsign. Run it with `cargo run -p kvstore -- serve --demo-load`.
//!
//! Every request handler, the log's appends, syncs and replay, connection handling and request
//! parsing are `#[instrumented]`; failures carry the codes of [`KvError`]. Health checks watch
//! the log's directory, the in-memory data and start-up replay ([`health`]). Connections, keys,
//! commands and the log's writes, sizes and compactions are declared metrics ([`telemetry`]).

pub mod error;
pub mod health;
pub mod load;
pub mod protocol;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod wal;

pub use error::KvError;

/// Options of the alerting rules generated for this server: a connection's duration is its
/// lifetime, not a response time, so it gets no latency alert.
pub fn rules_options() -> vitalsign::RulesOptions {
    vitalsign::RulesOptions::new("kvstore").without_latency_alert("kvstore_connections")
}
