use backprop::differentiable;

// Storing keeps one buffer entry per iteration, and this loop's trip count is known only at
// run time.
#[differentiable]
fn f(xs: &[f32]) -> f32 {
    let mut s = 0.0;
    #[loops = store]
    for i in 0..xs.len() {
        s += xs[i] * xs[i];
    }
    s
}

fn main() {}
