use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = 0.5)]
fn handler() {}

fn main() {}
