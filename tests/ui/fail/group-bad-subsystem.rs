use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv", subsystem = "WriteAhead")]
struct Wal {
    /// Records appended.
    writes_total: Counter,
}

fn main() {}
