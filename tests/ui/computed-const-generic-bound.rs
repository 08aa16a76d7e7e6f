use backprop::differentiable;

// `h` is overwritten in the loop, so its old values go to a stack buffer of one entry per
// iteration; stable Rust cannot size an array by `N - 1`.
#[differentiable]
fn f<const N: usize>(w: f32, x: &[f32; N]) -> f32 {
    let mut h = 0.0;
    for i in 0..N - 1 {
        h = (w * h + x[i]).tanh();
    }
    h
}

fn main() {
    let mut dx = [0.0; 4];
    let (_value, _dw) = f_grad(0.5, &[0.1; 4], &mut dx);
}
