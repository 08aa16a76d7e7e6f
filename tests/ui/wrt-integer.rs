use backprop::differentiable;

#[differentiable(wrt(w, n))]
fn f(w: f32, n: usize) -> f32 {
    w * n as f32
}

fn main() {
    let (_value, _dw) = f_grad(2.0, 3);
}
