use backprop::Parameters;

#[derive(Parameters)]
#[parameters(prefix = "model")]
struct Model {
    weight: [f32; 3],
}

fn main() {}
