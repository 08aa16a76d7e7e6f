use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let square = |a: f32| a * a;
    square(x) + 1.0
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
