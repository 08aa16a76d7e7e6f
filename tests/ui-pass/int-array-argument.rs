//! An integer array (class labels) passed on to a differentiable call, which takes it as a
//! constant (it was refused: "an integer array is a constant"), as in
//! `loss::cross_entropy_batch(&logits, targets)`.
use backprop::differentiable;

#[differentiable]
fn pick(x: &[f32; 3], idx: &[usize; 2]) -> f32 {
    x[idx[0]] * x[idx[1]]
}

#[differentiable]
fn caller(x: &[f32; 3], idx: &[usize; 2]) -> f32 {
    pick(x, idx)
}

fn main() {
    let mut d = [0.0; 3];
    assert_eq!(caller_grad(&[2.0, 3.0, 5.0], &mut d, &[0, 2]), 10.0);
    assert_eq!(d, [5.0, 0.0, 2.0]);
}
