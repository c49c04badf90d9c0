use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = [0.1, 0.1])]
fn handler() {}

fn main() {}
