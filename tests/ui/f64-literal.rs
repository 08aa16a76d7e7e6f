use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let k = 2.5f64 as f32;
    k * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
