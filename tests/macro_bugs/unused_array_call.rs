// Macro bug: the result of an array-returning differentiable call that is never read makes the
// generated code fail to type-check ("expected `f32`, found `[f32; 3]`").
use backprop::differentiable;

#[differentiable]
pub fn lift(x: f32, y: f32) -> [f32; 3] {
    [x * y, x.sin(), (y * 2.0).tanh()]
}

#[differentiable]
fn f(x: f32) -> f32 {
    let _t = lift(x, x);
    x
}

fn main() {
    assert_eq!(f_grad(2.0), (2.0, 1.0));
}
