use vitalsign::{Histogram, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// Bytes per append.
    write_bytes_total: Histogram,
}

fn main() {}
