//! Known bug: an array returned by a differentiable call, assigned to an existing `let mut`
//! variable (`h = g(&h)`), fails to type-check in the generated code (its tape slot is typed
//! as a scalar). `let h = g(&h);` (shadowing) compiles. Also on the macro before split mode.
use backprop::differentiable;

#[differentiable]
fn g(x: &[f32; 2]) -> [f32; 2] {
    [x[0] * x[1], x[0] + x[1]]
}

#[differentiable]
fn reassigned(x: &[f32; 2]) -> f32 {
    let mut h = g(x);
    h = g(&h);
    h[0]
}

fn main() {
    // h = [x0 x1, x0 + x1], then h0 = x0 x1 (x0 + x1) = 30 at (2, 3);
    // d/dx0 = 2 x0 x1 + x1^2 = 21, d/dx1 = x0^2 + 2 x0 x1 = 16.
    let mut d = [0.0; 2];
    assert_eq!(reassigned_grad(&[2.0, 3.0], &mut d), 30.0);
    assert_eq!(d, [21.0, 16.0]);
}
