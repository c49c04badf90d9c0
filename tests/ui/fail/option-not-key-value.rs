use vitalsign::instrumented;

#[instrumented("requests")]
fn handler() {}

fn main() {}
