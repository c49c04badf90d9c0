use vitalsign::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Wal(Counter);

fn main() {}
