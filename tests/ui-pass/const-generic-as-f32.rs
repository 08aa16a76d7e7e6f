//! Macro bug: `N as f32` on a const generic emits `N` where an `f32` is expected.

use backprop::differentiable;

#[differentiable]
fn mean<const N: usize>(x: &[f32; N]) -> f32 {
    let mut s = 0.0;
    for i in 0..N {
        s += x[i];
    }
    s / N as f32
}

fn main() {
    let mut dx = [0.0; 4];
    let v = mean_grad(&[1.0, 2.0, 3.0, 4.0], &mut dx);
    assert_eq!(v, 2.5);
    // d mean / d x_i = 1 / N
    assert_eq!(dx, [0.25; 4]);
}
