use vitalsign::instrumented;

#[instrumented(namespace = "db", log_level = "warning")]
fn handler() {}

fn main() {}
