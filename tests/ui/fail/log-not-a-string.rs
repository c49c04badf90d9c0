use vitalsign::instrumented;

#[instrumented(namespace = "db", log = errors)]
fn handler() {}

fn main() {}
