use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = [-1.0, 1.0])]
fn handler() {}

fn main() {}
