use vitalsign::instrumented;

#[instrumented(namespace = "db", slo(latency = "300ms"))]
fn handler() {}

fn main() {}
