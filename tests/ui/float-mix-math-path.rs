use backprop::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    x * std::f32::consts::PI as f64
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
