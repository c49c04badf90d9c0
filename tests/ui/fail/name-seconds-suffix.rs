use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "latency_seconds")]
fn handler() {}

fn main() {}
