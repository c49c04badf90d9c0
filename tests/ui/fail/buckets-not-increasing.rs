use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = [0.1, 0.5, 0.25])]
fn handler() {}

fn main() {}
