use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(Table = "users"))]
fn handler() {}

fn main() {}
