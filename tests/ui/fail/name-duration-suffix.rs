use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "query_duration")]
fn handler() {}

fn main() {}
