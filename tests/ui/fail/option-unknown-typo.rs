use vitalsign::instrumented;

#[instrumented(namespace = "db", nmae = "requests")]
fn handler() {}

fn main() {}
