use backprop::differentiable;

// A loop that overwrites a value declared before it (`h`) restores it from a buffer: there is
// nothing to choose.
#[differentiable]
fn f(x: &[f32; 4]) -> f32 {
    let mut h = 1.0;
    #[loops = recompute]
    for i in 0..4 {
        h = (h * x[i]).tanh();
    }
    h
}

fn main() {}
