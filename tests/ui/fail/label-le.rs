use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(le = "1"))]
fn handler() {}

fn main() {}
