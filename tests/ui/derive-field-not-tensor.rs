use backprop::Parameters;

#[derive(Parameters)]
struct Model {
    weight: [f32; 3],
    steps: u32,
}

fn main() {}
