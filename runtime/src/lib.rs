//! # vitalsign
//!
//! Compile-time checked Prometheus metrics for Rust servers.
//!
//! ```
//! use vitalsign::{ErrorCode, instrumented};
//!
//! #[derive(Debug, ErrorCode)]
//! enum DbError {
//!     NotFound,
//!     #[error_code("invalid_transition")]
//!     Rejected,
//! }
//!
//! /// Apply one event to a state-machine instance.
//! #[instrumented(namespace = "rstmdb", name = "requests", labels(op = "apply_event"))]
//! fn apply_event(id: &str) -> Result<u64, DbError> {
//!     if id.is_empty() { Err(DbError::NotFound) } else { Ok(1) }
//! }
//!
//! let vitals = vitalsign::Vitals::builder().install().unwrap();
//! apply_event("order-1").unwrap();
//! apply_event("").unwrap_err();
//! let text = vitals.render();
//! assert!(text.contains(r#"rstmdb_requests_total{op="apply_event"} 2"#));
//! assert!(text.contains(r#"rstmdb_requests_errors_total{op="apply_event",code="not_found"} 1"#));
//! ```
//!
//! `#[instrumented]` gives each function a call counter (`{ns}_{name}_total`), a duration
//! histogram (`{ns}_{name}_duration_seconds`) and a counter of failures by error code
//! (`{ns}_{name}_errors_total`). Names, labels and buckets are checked when the macro expands;
//! see `docs/metrics.md` for every rule.

pub mod catalogue;
mod error_code;
mod recorder;
mod server;
pub mod testing;
mod vitals;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

pub use catalogue::catalogue;
pub use error_code::ErrorCode;
pub use server::MetricsServer;
pub use vitals::{Builder, DEFAULT_BIND_ADDR, DEFAULT_BUCKETS, InstallError, Vitals};
pub use vitalsign_macros::{ErrorCode, instrumented};
