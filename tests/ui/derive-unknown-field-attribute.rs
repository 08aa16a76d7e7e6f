use backprop::Parameters;

#[derive(Parameters)]
struct Model {
    #[parameters(skip)]
    weight: [f32; 3],
}

fn main() {}
