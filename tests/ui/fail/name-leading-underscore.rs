use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "_writes")]
fn handler() {}

fn main() {}
