use backprop::differentiable;

#[differentiable]
fn spring(dx: f64, dy: f64) -> f64 {
    let length = (dx * dx + dy * dy).sqrt() as f32;
    ((length - 1.0) * (length - 1.0)) as f64
}

fn main() {
    let (_value, _dx, _dy) = spring_grad(1.0, 2.0);
}
