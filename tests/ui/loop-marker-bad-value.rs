use backprop::differentiable;

// A loop's marker chooses `store` or `recompute`, like the attribute's `loops = ...`.
#[differentiable]
fn f(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    #[loops = cache]
    for i in 0..4 {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
