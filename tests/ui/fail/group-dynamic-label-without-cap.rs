use vitalsign::{Counter, Dynamic, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Machines {
    /// Events applied, by state machine.
    events_applied_total: Counter<Dynamic>,
}

fn main() {}
