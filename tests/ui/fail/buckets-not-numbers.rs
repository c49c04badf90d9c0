use vitalsign::instrumented;

#[instrumented(namespace = "db", buckets = ["fast", "slow"])]
fn handler() {}

fn main() {}
