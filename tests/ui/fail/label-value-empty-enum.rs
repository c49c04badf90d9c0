use vitalsign::LabelValue;

#[derive(LabelValue)]
enum Command {}

fn main() {}
