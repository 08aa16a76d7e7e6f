fn loss(w: f32, x: f32, y: f32) -> f32 {
    let y_hat = x * w;
    (y_hat - y) * (y_hat - y)
}
/// The value of [`loss`] and its gradient with respect to `w`, generated at compile time by reverse-mode differentiation.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// ∂loss/∂w = 2 * (y_hat - y) * x
/// where
///   y_hat = x * w
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
fn loss_grad(w: f32, x: f32, y: f32) -> (f32, f32) {
    let y_hat: f32 = x * w;
    let t4: f32 = y_hat - y;
    let t5: f32 = t4 * t4;
    let value: f32 = t5;
    let d_t4: f32 = (2.0 * t4);
    let d_w: f32 = (d_t4 * x);
    (value, d_w)
}
/// The value of [`loss`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`loss_vjp`] calls both.
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
fn loss_fwd(
    w: f32,
    x: f32,
    y: f32,
) -> (f32, impl ::core::ops::FnOnce(f32, f32, f32, f32) -> (f32, f32, f32)) {
    let y_hat: f32 = x * w;
    let t4: f32 = y_hat - y;
    let t5: f32 = t4 * t4;
    let value: f32 = t5;
    (
        value,
        move |w: f32, x: f32, y: f32, d_out: f32| -> (f32, f32, f32) {
            let d_t4: f32 = ((2.0 * t4) * d_out);
            let d_y: f32 = (-d_t4);
            let d_x: f32 = (d_t4 * w);
            let d_w: f32 = (d_t4 * x);
            (d_w, d_x, d_y)
        },
    )
}
/// The value of [`loss`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// d_w = 2 * (y_hat - y) * d_out * x
/// d_x = 2 * (y_hat - y) * d_out * w
/// d_y = -(2 * (y_hat - y) * d_out)
/// where
///   y_hat = x * w
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
fn loss_vjp(w: f32, x: f32, y: f32, d_out: f32) -> (f32, f32, f32, f32) {
    let (value, pullback) = loss_fwd(w, x, y);
    let (grad_0, grad_1, grad_2) = pullback(w, x, y, d_out);
    (value, grad_0, grad_1, grad_2)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct loss {}
#[allow(unused, clippy::all)]
impl loss {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        w: f32,
        x: f32,
        y: f32,
    ) -> (f32, impl ::core::ops::FnOnce(f32, f32, f32, f32) -> (f32, f32, f32)) {
        loss_fwd(w, x, y)
    }
}
