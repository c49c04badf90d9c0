use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(table = "a", table = "b"))]
fn handler() {}

fn main() {}
