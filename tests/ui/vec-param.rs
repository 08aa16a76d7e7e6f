use backprop::differentiable;

#[differentiable]
fn f(x: Vec<f32>) -> f32 {
    x[0] * x[1]
}

fn main() {
    let _ = f_grad(vec![1.0, 2.0]);
}
