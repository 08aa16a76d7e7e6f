use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let mut y = x * 3.0;
    y %= 2.0;
    y
}

fn main() {
    let (_value, _dx) = f_grad(3.0);
}
