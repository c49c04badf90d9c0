use vitalsign::{Histogram, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal {
    /// How long an append takes.
    #[metric(unit = "millis")]
    write_duration: Histogram,
}

fn main() {}
