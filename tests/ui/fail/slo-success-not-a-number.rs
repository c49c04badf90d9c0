use vitalsign::instrumented;

#[instrumented(namespace = "db", slo(success = "high"))]
fn handler() {}

fn main() {}
