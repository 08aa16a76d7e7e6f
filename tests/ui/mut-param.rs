use backprop::differentiable;

#[differentiable]
fn f(mut x: f32) -> f32 {
    x = x * 2.0;
    x * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
