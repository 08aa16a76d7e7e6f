use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    if x < 0.0 {
        return 0.0;
    }
    x * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
