use backprop::differentiable;

#[differentiable]
fn f(x: &f32) -> f32 {
    *x = 1.0;
    2.0
}

fn main() {
    let mut dx = 0.0;
    let _value: f32 = f_grad(&1.0, &mut dx);
}
