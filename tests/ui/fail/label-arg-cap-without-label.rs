use vitalsign::instrumented;

#[instrumented(namespace = "db", max_series = 10)]
fn apply(tenant: &str) -> usize {
    tenant.len()
}

fn main() {}
