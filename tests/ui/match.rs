use backprop::differentiable;

#[differentiable]
fn f(x: f32, mode: u8) -> f32 {
    match mode {
        0 => x,
        _ => x * x,
    }
}

fn main() {
    let (_value, _dx) = f_grad(2.0, 1);
}
