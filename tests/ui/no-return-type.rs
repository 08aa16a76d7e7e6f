use backprop::differentiable;

#[differentiable]
fn f(x: f32) {
    let _y = x * x;
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
