use backprop::differentiable;

// A nested loop is reversed with the loop around it: the marker goes on the outer loop.
#[differentiable]
fn f(x: &[[f32; 4]; 3]) -> f32 {
    let mut s = 0.0;
    for p in 0..3 {
        #[loops = recompute]
        for i in 0..4 {
            s += x[p][i] * x[p][i];
        }
    }
    s
}

fn main() {}
