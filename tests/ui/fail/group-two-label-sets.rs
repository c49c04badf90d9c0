use vitalsign::{Counter, LabelValue, MetricGroup};

#[derive(Clone, Copy, LabelValue)]
enum Op { Get, Set }

#[derive(Clone, Copy, LabelValue)]
enum Table { Users, Orders }

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Server {
    /// Requests served.
    requests_total: Counter<Op, Table>,
}

fn main() {}
