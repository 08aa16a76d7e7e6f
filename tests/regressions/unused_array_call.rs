// The result of an array-returning differentiable call that is never read: the macro cannot
// see the callee's type, so it leaves the binding to rustc's inference (it once wrote `f32`).
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
