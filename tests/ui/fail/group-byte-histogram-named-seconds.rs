use vitalsign::{Histogram, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// Bytes per append.
    #[metric(unit = "bytes")]
    write_seconds: Histogram,
}

fn main() {}
