use vitalsign::instrumented;

#[instrumented(namespace = "db", slow = "100")]
fn handler() {}

fn main() {}
