use backprop::differentiable;

#[differentiable(wrt(w), wrt(b))]
fn f(w: f32, b: f32, x: f32) -> f32 {
    w * x + b
}

fn main() {
    let (_value, _dw) = f_grad(2.0, 1.0, 3.0);
}
