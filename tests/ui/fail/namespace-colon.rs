use vitalsign::instrumented;

#[instrumented(namespace = "my:db")]
fn handler() {}

fn main() {}
