use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let y: f32;
    y = x * x;
    y
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
