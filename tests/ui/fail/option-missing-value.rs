use vitalsign::instrumented;

#[instrumented(namespace = "db", name)]
fn handler() {}

fn main() {}
