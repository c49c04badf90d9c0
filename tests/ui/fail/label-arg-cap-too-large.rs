use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(tenant = tenant), max_series = 1000000)]
fn apply(tenant: &str) -> usize {
    tenant.len()
}

fn main() {}
