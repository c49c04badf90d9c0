use vitalsign::instrumented;

#[instrumented(namespace = "db", log = "failures")]
fn handler() {}

fn main() {}
