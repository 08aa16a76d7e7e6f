#[allow(dead_code, clippy::needless_range_loop)]
fn f(x: f32, y: f32) -> f32 {
    let a = x * y;
    a.sin() + a * a
}
/// The value of [`f`] and its gradient with respect to `x`, `y`, generated at compile time by reverse-mode differentiation.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// ∂f/∂x = (2 * a + cos(a)) * y
/// ∂f/∂y = (2 * a + cos(a)) * x
/// where
///   a = x * y
/// ```
#[inline]
#[allow(
    unused,
    unused_mut,
    unused_parens,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn f_grad(x: f32, y: f32) -> (f32, f32, f32) {
    let a: f32 = x * y;
    let t3: f32 = ::backprop::__private::math::sin(a);
    let t4: f32 = a * a;
    let t5: f32 = t3 + t4;
    let value: f32 = t5;
    let d_a: f32 = ((2.0 * a) + ::backprop::__private::math::cos(a));
    let d_y: f32 = (d_a * x);
    let d_x: f32 = (d_a * y);
    (value, d_x, d_y)
}
/// The value of [`f`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active): the composition contract of `#[differentiable]`.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// d_x = (2 * a * d_out + cos(a) * d_out) * y
/// d_y = (2 * a * d_out + cos(a) * d_out) * x
/// where
///   a = x * y
/// ```
#[inline]
#[allow(
    unused,
    unused_mut,
    unused_parens,
    non_snake_case,
    clippy::all,
    clippy::pedantic,
    clippy::nursery
)]
fn f_vjp(x: f32, y: f32, d_out: f32) -> (f32, f32, f32) {
    let a: f32 = x * y;
    let t3: f32 = ::backprop::__private::math::sin(a);
    let t4: f32 = a * a;
    let t5: f32 = t3 + t4;
    let value: f32 = t5;
    let d_a: f32 = (((2.0 * a) * d_out) + (::backprop::__private::math::cos(a) * d_out));
    let d_y: f32 = (d_a * x);
    let d_x: f32 = (d_a * y);
    (value, d_x, d_y)
}
