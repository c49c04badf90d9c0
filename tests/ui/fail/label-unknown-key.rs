use vitalsign::LabelValue;

#[derive(LabelValue)]
enum Command {
    #[label(renam = "g")]
    Get,
}

fn main() {}
