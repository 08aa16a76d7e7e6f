use backprop::differentiable;

#[differentiable]
fn f(x: f64) -> f64 {
    let k = 2.5f32;
    k as f64 * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
