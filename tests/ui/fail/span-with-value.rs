use vitalsign::instrumented;

#[instrumented(namespace = "db", span = "apply")]
fn handler() {}

fn main() {}
