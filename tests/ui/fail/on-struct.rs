use vitalsign::instrumented;

#[instrumented(namespace = "db")]
struct Handler;

fn main() {}
