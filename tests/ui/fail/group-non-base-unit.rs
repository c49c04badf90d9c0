use vitalsign::{Histogram, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// How long an append takes.
    write_ms: Histogram,
}

fn main() {}
