use backprop::differentiable;

#[differentiable(wrt(weight))]
fn f(w: f32, x: f32) -> f32 {
    w * x
}

fn main() {
    let (_value, _dw) = f_grad(2.0, 3.0);
}
