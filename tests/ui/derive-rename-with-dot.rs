use backprop::Parameters;

#[derive(Parameters)]
struct Model {
    #[parameters(rename = "layer.0")]
    weight: [f32; 3],
}

fn main() {}
