use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    x % 2.0
}

fn main() {
    let (_value, _dx) = f_grad(3.0);
}
