use vitalsign::LabelValue;

#[derive(LabelValue)]
enum Command {
    #[label(rename = "")]
    Get,
}

fn main() {}
