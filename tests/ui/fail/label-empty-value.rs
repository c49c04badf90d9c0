use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(table = ""))]
fn handler() {}

fn main() {}
