use backprop::differentiable;

// `loops` chooses how a loop that only accumulates is reversed: `store` or `recompute`.
#[differentiable(loops = cache)]
fn f(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
