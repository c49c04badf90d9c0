//! # vitalsign
//!
//! Compile-time checked Prometheus metrics for Rust servers.
//!
//! ```
//! use vitalsign::{ErrorCode, instrumented};
//!
//! #[derive(Debug, ErrorCode)]
//! enum DbError {
//!     #[error_code(expected)]
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
//! assert!(text.contains(
//!     r#"rstmdb_requests_errors_total{op="apply_event",code="not_found",class="expected"} 1"#
//! ));
//! ```
//!
//! `#[instrumented]` gives each function a call counter (`{ns}_{name}_total`), a duration
//! histogram (`{ns}_{name}_duration_seconds`) and a counter of failures by error code
//! (`{ns}_{name}_errors_total`). Names, labels and buckets are checked when the macro expands;
//! see `docs/metrics.md` for every rule.
//!
//! Everything else a server exposes is declared once, as the fields of a [`MetricGroup`]:
//!
//! ```
//! use vitalsign::{Counter, IntGauge, LabelValue, MetricGroup};
//!
//! #[derive(Clone, Copy, LabelValue)]
//! enum Command { Get, Set }
//!
//! #[derive(MetricGroup)]
//! #[metric_group(namespace = "rstmdb", subsystem = "wal")]
//! struct Wal {
//!     /// Records appended to the log.
//!     writes_total: Counter,
//!     /// Records appended, by command.
//!     commands_total: Counter<Command>,
//!     /// Bytes in the log now.
//!     size_bytes: IntGauge,
//! }
//!
//! static WAL: Wal = Wal::new();
//!
//! # let vitals = vitalsign::Vitals::installed().unwrap_or_else(|| vitalsign::Vitals::builder().install().unwrap());
//! WAL.writes_total.increment();
//! WAL.commands_total.increment_with(Command::Set);
//! WAL.size_bytes.set(4096);
//! let text = vitals.render();
//! assert!(text.contains(r#"rstmdb_wal_commands_total{command="get"} 0"#));
//! assert!(text.contains(r#"rstmdb_wal_commands_total{command="set"} 1"#));
//! assert!(text.contains("rstmdb_wal_size_bytes 4096"));
//! ```
//!
//! # Features
//!
//! The defaults are for a server binary. A library crate that only instruments its functions
//! takes the minimal set, `vitalsign = { version = "..", default-features = false, features =
//! ["metrics"] }`: the attribute macros, the call path, error codes and the catalogue, and none
//! of the crates below. Its call sites are served by the binary that installs vitalsign with
//! the defaults (cargo builds one `vitalsign` for both).
//!
//! | feature | what it adds | default |
//! |---|---|---|
//! | `metrics` | instrumentation; without it `#[instrumented]` expands to the function unchanged | yes |
//! | `exporter` | vitalsign's `metrics` recorder, the Prometheus text exposition, [`Vitals`] | with any below |
//! | `health` | health checks: the model, `#[health_check]`, the background runner, built-in checks | yes |
//! | `logging` | JSON/ECS log lines through a `tracing` subscriber, to standard output or files | yes |
//! | `server` | the HTTP server (`/metrics`, `/health/*`, `/stats`) and `vitalsign-probe`; brings `health` | yes |
//! | `config` | the configuration file and `VITALSIGN_*` variables, for the settings of every room built with it | yes |
//! | `process` | the Prometheus-standard `process_*` metrics | yes |
//! | `artifacts` | alerting rules, a Grafana dashboard and a metric reference from the catalogue | yes |

// The minimal set (`default-features = false, features = ["metrics"]`): what a library
// crate's call sites need.
pub mod catalogue;
mod clock;
mod declared;
mod error_code;
#[cfg(feature = "exporter")]
mod float_text;
mod foreign;
#[cfg(feature = "exporter")]
mod setting_error;
// The minimal set records into storage; only the recorder (`exporter`) creates and reads it.
#[cfg_attr(not(feature = "exporter"), allow(dead_code, unused_imports))]
mod storage;
#[cfg_attr(not(feature = "exporter"), allow(dead_code))]
mod sync;
pub mod testing;

#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;

// The rooms above it, each behind its feature (see the crate docs' table).
#[cfg(feature = "artifacts")]
mod artifacts;
#[cfg(feature = "config")]
pub mod config;
#[cfg(feature = "health")]
pub mod health;
#[cfg(feature = "logging")]
pub mod logging;
#[cfg(feature = "exporter")]
mod process;
#[cfg(feature = "exporter")]
mod recorder;
#[cfg(feature = "server")]
mod server;
#[cfg(feature = "exporter")]
// Without `config` the settings are the builder's state only: not public API, and the ones
// only a file can set (built-in checks) and the key listing go unused.
#[cfg_attr(not(feature = "config"), allow(unreachable_pub, dead_code))]
mod settings;
#[cfg(feature = "server")]
pub mod stats;
#[cfg(feature = "exporter")]
mod vitals;

#[cfg(feature = "artifacts")]
pub use artifacts::RulesOptions;
pub use catalogue::catalogue;
pub use declared::{Counter, Dynamic, Gauge, Histogram, IntGauge, LabelSet, LabelValue};
pub use error_code::{ErrorClass, ErrorCode, ErrorCodes};
pub use foreign::bind_to_global_recorder;
#[cfg(feature = "exporter")]
pub use recorder::ExpositionFormat;
#[cfg(feature = "server")]
pub use server::{MetricsServer, shutdown_signal};
#[cfg(feature = "server")]
pub use settings::DEFAULT_BIND_ADDR;
#[cfg(feature = "exporter")]
pub use settings::{Builder, DEFAULT_BUCKETS};
#[cfg(feature = "exporter")]
pub use vitals::{InstallError, Vitals};

/// Measures a function, method, `async fn` or every method of an `impl` block.
///
/// Each instrumented function records, through the `metrics` facade:
///
/// | family | type | labels |
/// |---|---|---|
/// | `{namespace}_{name}_total` | counter: completed calls | fixed labels |
/// | `{namespace}_{name}_duration_seconds` | histogram | fixed labels, `le` |
/// | `{namespace}_{name}_errors_total` | counter: failed calls | fixed labels, `code` |
/// | `{namespace}_{name}_in_flight` | gauge, with `in_flight` | fixed labels |
///
/// # Options
///
/// | option | meaning | default |
/// |---|---|---|
/// | `namespace = "rstmdb"` | first segment of every family name | `[package.metadata.vitalsign] namespace` in Cargo.toml, else the crate name in snake_case |
/// | `name = "requests"` | base name of the families | `"calls"` |
/// | `labels(op = "apply_event", ..)` | fixed labels (string literals) | `op = "<fn name>"`, or `"Type::method"` in an instrumented `impl` block |
/// | `buckets = [0.001, 0.01, 0.1]` | histogram upper bounds, seconds | [`DEFAULT_BUCKETS`] |
/// | `in_flight` | also keep a gauge of calls under way | off |
/// | `help = ".."` | HELP text | first paragraph of the doc comment |
/// | `skip` | leave this method of an instrumented `impl` block alone | — |
///
/// Every name, label and bound is checked at compile time; a mistake is an error on the
/// offending token with what to write instead:
///
/// ```compile_fail
/// #[vitalsign::instrumented(name = "latency_ms")] // error: contains the unit `ms` ... help: write `latency`
/// fn query() {}
/// ```
///
/// # Outcomes
///
/// A call is counted once however it ends. `Err(e)` counts under `code = e.error_code()` if the
/// error type implements [`ErrorCode`], else `code = "error"`; a panic counts as `"panic"` (and
/// continues unchanged); an `async` call whose future is dropped before completing counts as
/// `"cancelled"`. Async calls are timed from first poll to completion.
///
/// ```
/// use vitalsign::{ErrorCode, instrumented};
///
/// #[derive(Debug, ErrorCode)]
/// enum StoreError { NotFound }
///
/// struct Store;
///
/// #[instrumented(namespace = "kv", name = "requests")]
/// impl Store {
///     /// Reads a key.
///     async fn get(&self, key: &str) -> Result<String, StoreError> {
///         Err(StoreError::NotFound)
///     }
///
///     #[instrumented(skip)]
///     fn helper(&self) {}
/// }
/// ```
///
/// With the `metrics` feature off, the options are still checked and the function is emitted
/// exactly as written. See `docs/metrics.md` for the full guide.
#[doc(inline)]
pub use vitalsign_macros::instrumented;

/// Derives [`ErrorCode`](trait@ErrorCode): a stable snake_case code per variant.
///
/// - default: the variant's (or struct's) name in snake_case;
/// - `#[error_code("invalid_transition")]` sets it;
/// - `#[error_code(transparent)]` on a variant with one field asks that field.
///
/// Codes are checked at compile time: snake_case, at most 64 bytes, unique in the type, and not
/// `panic` or `cancelled`, which vitalsign records itself.
///
/// ```compile_fail
/// #[derive(vitalsign::ErrorCode)]
/// enum E {
///     NotFound,
///     #[error_code("not_found")] // error: duplicate error code `not_found` in this type
///     Missing,
/// }
/// ```
#[doc(inline)]
pub use vitalsign_macros::ErrorCode;

#[doc(inline)]
pub use vitalsign_macros::{LabelSet, LabelValue, MetricGroup};

/// Makes a struct a health check: derives [`health::HealthCheck`] from its options and its
/// `check` method.
///
/// ```
/// use vitalsign::health::Outcome;
///
/// /// The WAL directory is writable and has room.
/// #[vitalsign::health_check(name = "wal", readiness, critical, timeout = "2s", every = "10s")]
/// struct WalHealth { dir: std::path::PathBuf }
///
/// impl WalHealth {
///     async fn check(&self) -> Result<(), std::io::Error> {
///         let probe = self.dir.join(".probe");
///         std::fs::write(&probe, b"x")?;
///         std::fs::remove_file(probe)
///     }
/// }
/// ```
///
/// | option | meaning | default |
/// |---|---|---|
/// | `name = "wal"` | the `check` label and JSON key, snake_case | the struct's name in snake_case without a `Health`/`Check` suffix |
/// | `liveness`, `readiness`, `startup` | the probes it answers for (any of them) | `readiness` |
/// | `critical`, `non_critical` | a failing critical check makes the whole unhealthy, a non-critical one degraded | `critical` |
/// | `timeout = "2s"` | a run longer than this is cut and reported with `failure_status` | `"2s"` |
/// | `every = "10s"` | interval of the background runs | `"10s"` |
/// | `failure_status = "degraded"` | what a timed-out or panicking run reports | `"unhealthy"` |
/// | `composite` | the check is its fields, each a health check, run concurrently | off |
///
/// `check` may be `async` or not and return [`health::Outcome`], [`health::Status`] or
/// `Result<T, E: Display>` (unhealthy on `Err` with the error as message, and its
/// [`ErrorCode`](trait@ErrorCode) as the `code` detail when it has one). The doc comment is the
/// check's description. Names and durations are checked at compile time; `timeout` may not
/// exceed `every`.
///
/// In a `composite` check, fields may carry `#[health(skip)]` or `#[health(non_critical)]`.
#[cfg(feature = "health")]
#[doc(inline)]
pub use vitalsign_macros::health_check;
