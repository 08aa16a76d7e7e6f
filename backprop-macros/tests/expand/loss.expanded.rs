#[allow(dead_code, clippy::needless_range_loop)]
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
/// The value of [`loss`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active): the composition contract of `#[differentiable]`.
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
    let y_hat: f32 = x * w;
    let t4: f32 = y_hat - y;
    let t5: f32 = t4 * t4;
    let value: f32 = t5;
    let d_t4: f32 = ((2.0 * t4) * d_out);
    let d_y: f32 = (-d_t4);
    let d_x: f32 = (d_t4 * w);
    let d_w: f32 = (d_t4 * x);
    (value, d_w, d_x, d_y)
}
