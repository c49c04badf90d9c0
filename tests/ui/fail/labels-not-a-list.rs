use vitalsign::instrumented;

#[instrumented(namespace = "db", labels = "op")]
fn handler() {}

fn main() {}
