use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "Kv-Store")]
struct Wal {
    /// Records appended.
    writes_total: Counter,
}

fn main() {}
