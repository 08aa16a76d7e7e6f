use backprop::differentiable;

#[differentiable(wrt(x),, check_finite)]
fn f(x: f32) -> f32 {
    x * x
}

fn main() {
    let _ = f_grad(2.0);
}
