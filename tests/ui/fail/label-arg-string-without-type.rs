use vitalsign::instrumented;

#[instrumented(namespace = "db", labels(tenant = tenant))]
fn apply(tenant: &str) -> usize {
    tenant.len()
}

fn main() {}
