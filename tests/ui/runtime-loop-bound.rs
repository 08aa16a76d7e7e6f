use backprop::differentiable;

// `h` is overwritten in the loop, so the reverse sweep keeps its old values in a stack buffer,
// whose size must be known at compile time: `n` is only known at run time.
#[differentiable]
fn f(w: f32, x: &[f32; 8], n: usize) -> f32 {
    let mut h = 0.0;
    for i in 0..n {
        h = (w * h + x[i]).tanh();
    }
    h
}

fn main() {
    let mut dx = [0.0; 8];
    let (_value, _dw) = f_grad(0.5, &[0.1; 8], &mut dx, 4);
}
