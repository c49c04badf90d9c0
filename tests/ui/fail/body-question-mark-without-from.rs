use vitalsign::instrumented;

#[derive(Debug)]
struct MyError;

#[instrumented(namespace = "db")]
fn handler() -> Result<u32, MyError> {
    let n: u32 = "7".parse()?;
    Ok(n)
}

fn main() {}
