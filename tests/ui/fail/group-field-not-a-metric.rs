use vitalsign::MetricGroup;

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// Records appended.
    writes_total: u64,
}

fn main() {}
