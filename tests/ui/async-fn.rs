use backprop::differentiable;

#[differentiable]
async fn f(x: f32) -> f32 {
    x * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
