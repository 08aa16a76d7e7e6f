use backprop::Parameters;

#[derive(Parameters)]
enum Model {
    Small([f32; 2]),
    Large([f32; 8]),
}

fn main() {}
