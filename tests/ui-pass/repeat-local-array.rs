//! Macro bug: the adjoint of a repeat expression `[0.0; N]` calls `sum_all` at the runtime's
//! root, but the runtime defines it in its hidden `__private` module.

use backprop::differentiable;

#[differentiable]
fn f(x: &[f32; 2]) -> f32 {
    let mut out = [0.0; 2];
    for i in 0..2 {
        out[i] += x[i] * x[i];
    }
    out[0] + out[1]
}

fn main() {
    let mut dx = [0.0; 2];
    let v = f_grad(&[1.0, 3.0], &mut dx);
    assert_eq!(v, 10.0);
    // d/dx_i x_i^2 = 2 x_i
    assert_eq!(dx, [2.0, 6.0]);
}
