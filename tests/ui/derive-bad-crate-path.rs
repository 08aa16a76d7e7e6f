use backprop::Parameters;

#[derive(Parameters)]
#[parameters(crate = "not a path")]
struct Model {
    weight: [f32; 3],
}

fn main() {}
