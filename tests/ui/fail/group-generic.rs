use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[metric_group(namespace = "kv")]
struct Wal<T> {
    /// Records appended.
    writes_total: Counter,
    other: std::marker::PhantomData<T>,
}

fn main() {}
