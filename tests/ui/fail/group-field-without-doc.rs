use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    writes_total: Counter,
}

fn main() {}
