use backprop::differentiable;

#[differentiable(wrt(0))]
fn f(w: f32, x: f32) -> f32 {
    w * x
}

fn main() {
    let (_value, _dw, _dx) = f_grad(2.0, 3.0);
}
