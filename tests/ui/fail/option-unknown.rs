use vitalsign::instrumented;

#[instrumented(namespace = "db", frobnicate = true)]
fn handler() {}

fn main() {}
