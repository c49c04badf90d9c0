use vitalsign::instrumented;

struct Handler;

#[instrumented(namespace = "db")]
impl Handler {
    #[instrumented(name = "a")]
    #[instrumented(name = "b")]
    fn handle(&self) {}
}

fn main() {}
