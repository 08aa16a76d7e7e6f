//! Macro bug: a `&f32` parameter is accepted, but the generated code treats `x` as an `f32`
//! and adds into the `&mut f32` shadow without dereferencing it.

use backprop::differentiable;

#[differentiable]
fn double(x: &f32) -> f32 {
    x * 2.0
}

fn main() {
    let mut dx = 0.0;
    let v = double_grad(&3.0, &mut dx);
    assert_eq!((v, dx), (6.0, 2.0));
}
