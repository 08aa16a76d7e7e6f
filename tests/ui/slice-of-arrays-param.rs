use backprop::differentiable;

#[differentiable]
fn total(xs: &[[f32; 4]]) -> f32 {
    xs[0][0]
}

fn main() {}
