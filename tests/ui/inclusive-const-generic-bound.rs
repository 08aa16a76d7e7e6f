use backprop::differentiable;

#[differentiable]
fn f<const N: usize>(w: f32, x: &[f32; N]) -> f32 {
    let mut h = 0.0;
    for i in 1..=N {
        h = (w * h + x[i - 1]).tanh();
    }
    h
}

fn main() {
    let mut dx = [0.0; 4];
    let (_value, _dw) = f_grad(0.5, &[0.1; 4], &mut dx);
}
