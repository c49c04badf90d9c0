use vitalsign::{Counter, LabelValue, MetricGroup};

#[derive(Clone, Copy, LabelValue)]
enum Op {
    Get,
    Set,
}

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Server {
    /// Requests served.
    #[metric(max_series = 10)]
    requests_total: Counter<Op>,
}

fn main() {}
