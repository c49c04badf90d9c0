use vitalsign::instrumented;

#[instrumented(namespace = "Db", name = "query_ms_total", labels(le = "x"), buckets = [2.0, 1.0], bukets = [])]
fn handler() {}

fn main() {}
