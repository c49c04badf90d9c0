//! kvstore: a small key-value database server over TCP with a write-ahead log, instrumented
//! end to end with vitalsign. Run it with `cargo run -p kvstore -- serve --demo-load`.
//!
//! Every request handler, the log's appends, syncs and replay, connection handling and request
//! parsing are `#[instrumented]`; failures carry the codes of [`KvError`].

pub mod error;
pub mod load;
pub mod protocol;
pub mod server;
pub mod store;
pub mod wal;

pub use error::KvError;
