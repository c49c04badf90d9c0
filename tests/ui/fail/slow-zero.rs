use vitalsign::instrumented;

#[instrumented(namespace = "db", slow = "0ms")]
fn handler() {}

fn main() {}
