//! The metrics kvstore declares besides its instrumented functions: connections, keys, the
//! commands clients send, and the write-ahead log's writes, fsyncs, sizes and compactions.
//! Declared once here, checked at compile time, and in the catalogue, the generated reference,
//! rules and dashboard like the per-function families.

use vitalsign::{Counter, Dynamic, Histogram, IntGauge, LabelValue, MetricGroup};

/// A command, as the `command` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, LabelValue)]
#[label(name = "command")]
pub enum CommandKind {
    /// `GET`
    Get,
    /// `SET`
    Set,
    /// `DEL`
    Del,
    /// `INCR`
    Incr,
    /// `PING`
    Ping,
}

/// The server's own metrics.
#[derive(MetricGroup)]
#[metric_group(namespace = "kvstore")]
pub struct ServerMetrics {
    /// Client connections open now.
    pub connections_active: IntGauge,
    /// Client connections accepted since start.
    pub connections_accepted_total: Counter,
    /// Well-formed commands received, by command.
    pub commands_total: Counter<CommandKind>,
    /// Keys stored now.
    pub keys: IntGauge,
    /// Keys written by SET and INCR, by the key's prefix (its letters before the first digit or
    /// `:`).
    #[metric(label = "prefix", max_series = 16)]
    pub writes_by_prefix_total: Counter<Dynamic>,
}

/// The write-ahead log's metrics.
#[derive(MetricGroup)]
#[metric_group(namespace = "kvstore", subsystem = "wal")]
pub struct WalMetrics {
    /// Records appended to the log.
    pub writes_total: Counter,
    /// `fsync`s that made appended records durable.
    pub fsyncs_total: Counter,
    /// How long an append takes to reach the OS (not yet durable).
    pub write_duration_seconds: Histogram,
    /// Bytes per appended record.
    pub write_bytes: Histogram,
    /// Bytes in the log now.
    pub size_bytes: IntGauge,
    /// Bytes that compactions removed from the log.
    pub reclaimed_bytes_total: Counter,
}

/// The server's metrics.
pub static SERVER: ServerMetrics = ServerMetrics::new();
/// The log's metrics.
pub static WAL: WalMetrics = WalMetrics::new();

/// The `prefix` label of a key: its letters before the first digit or `:` (`user:7` → `user`,
/// `k12` → `k`).
pub fn key_prefix(key: &str) -> &str {
    let end = key
        .find(|c: char| c.is_ascii_digit() || c == ':')
        .unwrap_or(key.len());
    &key[..end]
}

/// Counts an open connection until dropped.
#[derive(Debug)]
pub struct OpenConnection(());

impl OpenConnection {
    /// A connection accepted and now open.
    pub fn accepted() -> Self {
        SERVER.connections_accepted_total.increment();
        SERVER.connections_active.add(1);
        Self(())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        SERVER.connections_active.add(-1);
    }
}

#[cfg(test)]
mod tests {
    use super::key_prefix;

    #[test]
    fn prefixes() {
        assert_eq!(key_prefix("user:7"), "user");
        assert_eq!(key_prefix("k12"), "k");
        assert_eq!(key_prefix("counter3"), "counter");
        assert_eq!(key_prefix("plain"), "plain");
    }
}
