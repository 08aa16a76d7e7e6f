use backprop::differentiable;

#[differentiable]
fn f(x: f32, k: usize) -> f32 {
    let 3 = k else { return 0.0 };
    x * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0, 3);
}
