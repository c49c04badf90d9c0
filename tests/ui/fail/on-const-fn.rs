use vitalsign::instrumented;

#[instrumented(namespace = "db")]
const fn handler() -> u32 {
    1
}

fn main() {}
