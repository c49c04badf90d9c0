use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Server {
    /// Requests served.
    requests_counter_total: Counter,
}

fn main() {}
