use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "requests_total")]
fn handler() {}

fn main() {}
