use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = [])]
fn handler() {}

fn main() {}
