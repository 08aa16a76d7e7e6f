use backprop::differentiable;

#[differentiable]
fn double(x: &[f32; 2]) -> [f32; 2] {
    [2.0 * x[0], 2.0 * x[1]]
}

#[differentiable]
fn f(x: &[f32; 2]) -> f32 {
    let mut h = double(x);
    h = double(&h);
    h[0] * h[1]
}

fn main() {
    let mut dx = [0.0; 2];
    let _value: f32 = f_grad(&[1.0, 2.0], &mut dx);
}
