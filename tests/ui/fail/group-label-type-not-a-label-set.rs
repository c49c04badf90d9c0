use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Server {
    /// Requests served, by tenant.
    requests_total: Counter<String>,
}

fn main() {}
