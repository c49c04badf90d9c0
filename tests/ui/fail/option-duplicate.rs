use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "reads", name = "writes")]
fn handler() {}

fn main() {}
