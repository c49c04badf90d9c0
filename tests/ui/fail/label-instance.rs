use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(instance = "a"))]
fn handler() {}

fn main() {}
