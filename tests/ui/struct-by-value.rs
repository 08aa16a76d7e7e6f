use backprop::differentiable;

struct Linear {
    w: f32,
    b: f32,
}

#[differentiable]
fn f(m: Linear, x: f32) -> f32 {
    m.w * x + m.b
}

fn main() {
    let _ = f_grad(Linear { w: 1.0, b: 0.5 }, 2.0);
}
