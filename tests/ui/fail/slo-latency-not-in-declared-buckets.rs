use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = [0.1, 0.2, 0.4], slo(latency = "250ms", latency_target = 99.0))]
fn handler() {}

fn main() {}
