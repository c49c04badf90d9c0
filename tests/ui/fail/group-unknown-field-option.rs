use vitalsign::{Histogram, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// Bytes per append.
    #[metric(unt = "bytes")]
    write_bytes: Histogram,
}

fn main() {}
