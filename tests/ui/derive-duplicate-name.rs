use backprop::Parameters;

#[derive(Parameters)]
struct Model {
    #[parameters(rename = "bias")]
    weight: [f32; 3],
    bias: [f32; 3],
}

fn main() {}
