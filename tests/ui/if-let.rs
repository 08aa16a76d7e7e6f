use backprop::differentiable;

#[differentiable]
fn f(x: f32, k: usize) -> f32 {
    if let 0 = k {
        x
    } else {
        x * x
    }
}

fn main() {
    let (_value, _dx) = f_grad(2.0, 0);
}
