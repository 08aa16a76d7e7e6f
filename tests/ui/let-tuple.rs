use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let (a, b) = (x * x, 2.0 * x);
    a + b
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
