use vitalsign::instrumented;

#[instrumented(namespace = "db")]
trait Handler {
    fn handle(&self);
}

fn main() {}
