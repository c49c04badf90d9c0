use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "build_info")]
fn handler() {}

fn main() {}
