use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(quantile = "p99"))]
fn handler() {}

fn main() {}
