use backprop::Parameters;

#[derive(Parameters)]
struct Identity;

fn main() {}
