use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    const SCALE: f32 = 2.5;
    SCALE * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
