use vitalsign::{Counter, Dynamic, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Tenants {
    /// Requests, by tenant.
    #[metric(label = "tenant", max_series = 0)]
    requests_total: Counter<Dynamic>,
}

fn main() {}
