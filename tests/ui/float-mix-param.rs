use backprop::differentiable;

#[differentiable]
fn f(x: f64, y: f32) -> f32 {
    y * 2.0
}

fn main() {
    let (_value, _dx, _dy) = f_grad(1.0, 2.0);
}
