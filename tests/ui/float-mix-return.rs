use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f64 {
    (x * x) as f64
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
