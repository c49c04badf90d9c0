use vitalsign::{Gauge, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Queue {
    /// Items waiting.
    queue_count: Gauge,
}

fn main() {}
