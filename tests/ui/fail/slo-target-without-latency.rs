use vitalsign::instrumented;

#[instrumented(namespace = "db", slo(success = 99.9, latency_target = 99.0))]
fn handler() {}

fn main() {}
