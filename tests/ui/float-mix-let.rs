use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let y: f64 = 2.0;
    x * x + y as f32
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
