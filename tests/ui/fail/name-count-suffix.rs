use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "requests_count")]
fn handler() {}

fn main() {}
