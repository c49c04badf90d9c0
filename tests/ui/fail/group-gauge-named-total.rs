use vitalsign::{IntGauge, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Server {
    /// Connections open now.
    connections_total: IntGauge,
}

fn main() {}
