use backprop::differentiable;

// One marker per loop.
#[differentiable]
fn f(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    #[loops = store]
    #[loops = recompute]
    for i in 0..4 {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
