use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(code = "x"))]
fn handler() {}

fn main() {}
