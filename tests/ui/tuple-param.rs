use backprop::differentiable;

#[differentiable]
fn f(p: (f32, f32)) -> f32 {
    p.0 * p.1
}

fn main() {
    let _ = f_grad((1.0, 2.0));
}
