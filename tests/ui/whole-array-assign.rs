use backprop::differentiable;

#[differentiable]
fn f(x: &[f32; 2]) -> f32 {
    let mut h = [0.0; 2];
    h = [x[1], x[0]];
    h[0] * h[1]
}

fn main() {
    let mut dx = [0.0; 2];
    let _value: f32 = f_grad(&[1.0, 2.0], &mut dx);
}
