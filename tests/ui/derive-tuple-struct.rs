use backprop::Parameters;

#[derive(Parameters)]
struct Linear([[f32; 3]; 2], [f32; 2]);

fn main() {}
