use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let y = if x > 0.0 { x.ln() } else { return 0.0 };
    y * y
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
