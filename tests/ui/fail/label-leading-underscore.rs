use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(__name__ = "x"))]
fn handler() {}

fn main() {}
