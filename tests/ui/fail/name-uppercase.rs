use vitalsign::instrumented;

#[instrumented(namespace = "db", name = "HttpRequests")]
fn handler() {}

fn main() {}
