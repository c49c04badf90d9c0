use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "2xx")]
fn handler() {}

fn main() {}
