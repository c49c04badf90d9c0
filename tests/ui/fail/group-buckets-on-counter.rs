use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// Records appended.
    #[metric(buckets = [1, 2, 4])]
    writes_total: Counter,
}

fn main() {}
