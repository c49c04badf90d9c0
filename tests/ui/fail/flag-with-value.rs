use vitalsign::instrumented;

#[instrumented(namespace = "db", in_flight = "yes")]
fn handler() {}

fn main() {}
