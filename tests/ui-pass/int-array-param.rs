//! Integer arrays (class labels, indices) are constants: indexing them gives an integer.
use backprop::differentiable;

#[differentiable]
fn f(w: f32, idx: [usize; 2]) -> f32 {
    w * idx[0] as f32 + w * w * idx[1] as f32
}

fn main() {
    let (value, dw) = f_grad(2.0, [1, 3]);
    assert_eq!(value, 2.0 + 12.0);
    assert_eq!(dw, 1.0 + 2.0 * 2.0 * 3.0);
}
