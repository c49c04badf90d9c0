use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// Records appended.
    writes: Counter,
}

fn main() {}
