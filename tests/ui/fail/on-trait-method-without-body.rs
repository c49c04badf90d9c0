use vitalsign::instrumented;

trait Handler {
    #[instrumented(namespace = "db")]
    fn handle(&self);
}

fn main() {}
