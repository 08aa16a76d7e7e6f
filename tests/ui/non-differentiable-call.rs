use backprop::differentiable;

fn double(a: f32) -> f32 {
    2.0 * a
}

#[differentiable]
fn f(x: f32) -> f32 {
    double(x) * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
