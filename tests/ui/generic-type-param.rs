use backprop::differentiable;

#[differentiable]
fn f<T: Into<f32>>(x: T) -> f32 {
    let y: f32 = x.into();
    y * y
}

fn main() {
    let _ = f_grad(2.0f32);
}
