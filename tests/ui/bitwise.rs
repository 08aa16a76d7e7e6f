use backprop::differentiable;

#[differentiable]
fn f(x: f32, n: usize) -> f32 {
    let odd = n & 1;
    x * odd as f32
}

fn main() {
    let (_value, _dx) = f_grad(2.0, 3);
}
