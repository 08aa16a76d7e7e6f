use backprop::differentiable;

#[differentiable]
fn f(x: &[f32; 2]) -> f32 {
    let y = &x[0];
    x[1] * 2.0
}

fn main() {
    let mut dx = [0.0; 2];
    let _value: f32 = f_grad(&[1.0, 2.0], &mut dx);
}
