use vitalsign::instrumented;

#[instrumented(namespace = "db", slow = "sluggish")]
fn handler() {}

fn main() {}
