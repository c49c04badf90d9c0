use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "request_counter")]
fn handler() {}

fn main() {}
