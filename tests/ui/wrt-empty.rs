use backprop::differentiable;

#[differentiable(wrt())]
fn f(w: f32, x: f32) -> f32 {
    w * x
}

fn main() {
    let _value: f32 = f_grad(2.0, 3.0);
}
