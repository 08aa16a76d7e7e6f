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
/// The value of [`f`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`f_vjp`] calls both.
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
fn f_fwd(
    x: f32,
    y: f32,
) -> (f32, impl ::core::ops::FnOnce(f32, f32, f32) -> (f32, f32)) {
    let a: f32 = x * y;
    let t3: f32 = ::backprop::__private::math::sin(a);
    let t4: f32 = a * a;
    let t5: f32 = t3 + t4;
    let value: f32 = t5;
    (
        value,
        move |x: f32, y: f32, d_out: f32| -> (f32, f32) {
            let d_a: f32 = (((2.0 * a) * d_out)
                + (::backprop::__private::math::cos(a) * d_out));
            let d_y: f32 = (d_a * x);
            let d_x: f32 = (d_a * y);
            (d_x, d_y)
        },
    )
}
/// The value of [`f`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
    let (value, pullback) = f_fwd(x, y);
    let (grad_0, grad_1) = pullback(x, y, d_out);
    (value, grad_0, grad_1)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct f {}
#[allow(unused, clippy::all)]
impl f {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        x: f32,
        y: f32,
    ) -> (f32, impl ::core::ops::FnOnce(f32, f32, f32) -> (f32, f32)) {
        f_fwd(x, y)
    }
}
