use backprop::differentiable;

#[differentiable]
fn f(x: &[f32; 3]) -> f32 {
    x[0] = 1.0;
    x[0] + x[1]
}

fn main() {
    let mut dx = [0.0; 3];
    let _value: f32 = f_grad(&[1.0, 2.0, 3.0], &mut dx);
}
