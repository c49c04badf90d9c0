use vitalsign::instrumented;

#[instrumented(namespace = "db", slo(latency = "quick"))]
fn handler() {}

fn main() {}
