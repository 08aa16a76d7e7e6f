//! Macro bug: `N - 1` (a const generic minus an integer literal) is lowered as `f32`
//! arithmetic, so a valid loop bound is rejected with "this is an integer: convert it with
//! `as f32`".

use backprop::differentiable;

#[differentiable]
fn chain<const N: usize>(x: &[f32; N]) -> f32 {
    let mut s = 0.0;
    for i in 0..N - 1 {
        s += x[i] * x[i + 1];
    }
    s
}

fn main() {
    let x = [1.0, 2.0, 3.0, 4.0];
    let mut dx = [0.0; 4];
    let v = chain_grad(&x, &mut dx);
    assert_eq!(v, 1.0 * 2.0 + 2.0 * 3.0 + 3.0 * 4.0);
    // d/dx_i = x_{i-1} + x_{i+1} (missing neighbours count as 0)
    assert_eq!(dx, [2.0, 1.0 + 3.0, 2.0 + 4.0, 3.0]);
}
