use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let mut positive = x > 0.0;
    positive = !positive;
    if positive {
        x
    } else {
        -x
    }
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
