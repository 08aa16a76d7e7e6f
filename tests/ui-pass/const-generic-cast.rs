// Regression test (a fixed bug): `N as f32` for a const generic `N` is lowered without its cast (`let t1: f32 = N;`),
// so the generated `_grad` does not compile.
use backprop::differentiable;

#[differentiable]
fn scaled<const N: usize>(x: f32) -> f32 {
    x * N as f32
}

fn main() {
    assert_eq!(scaled::<3>(2.0), 6.0);
    assert_eq!(scaled_grad::<3>(2.0), (6.0, 3.0));
}
