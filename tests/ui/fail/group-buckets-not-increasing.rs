use vitalsign::{Histogram, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// How long an append takes.
    #[metric(buckets = [0.01, 0.1, 0.05])]
    write_duration_seconds: Histogram,
}

fn main() {}
