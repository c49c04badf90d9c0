use vitalsign::instrumented;

#[instrumented(namespace = "db", slo(success = 100.0))]
fn handler() {}

fn main() {}
