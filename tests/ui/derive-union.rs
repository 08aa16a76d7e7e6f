use backprop::Parameters;

#[derive(Parameters)]
union Bits {
    float: f32,
    int: u32,
}

fn main() {}
