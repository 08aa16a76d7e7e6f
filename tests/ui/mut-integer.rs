use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let mut k = 1;
    k *= 2;
    x * k as f32
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
