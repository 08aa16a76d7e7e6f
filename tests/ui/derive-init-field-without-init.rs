use backprop::Parameters;

#[derive(Parameters)]
#[parameters(init)]
struct Model {
    layer: backprop::nn::Linear<3, 2>,
    scale: f32,
}

fn main() {}
