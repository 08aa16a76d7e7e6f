use backprop::differentiable;

#[differentiable]
fn f((a, b): (f32, f32)) -> f32 {
    a * b
}

fn main() {
    let _ = f_grad((1.0, 2.0));
}
