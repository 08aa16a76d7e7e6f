use backprop::differentiable;

#[differentiable]
fn distance(dx: f64, dy: f64) -> f32 {
    (dx * dx + dy * dy).sqrt() as f32
}

fn main() {
    let _value = distance(1.0, 2.0);
}
