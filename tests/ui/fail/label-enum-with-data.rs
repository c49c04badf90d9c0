use vitalsign::LabelValue;

#[derive(LabelValue)]
enum Command {
    Get,
    Set(Vec<u8>),
}

fn main() {}
