use vitalsign::instrumented;

#[instrumented(namespace = "db", fields(user = %usr))]
fn handler(user: &str, password: &str) -> usize {
    user.len() + password.len()
}

fn main() {}
