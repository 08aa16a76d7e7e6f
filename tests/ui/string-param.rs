use backprop::differentiable;

#[differentiable]
fn f(x: f32, name: String) -> f32 {
    x * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0, String::from("x"));
}
