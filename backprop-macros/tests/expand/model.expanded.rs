#[allow(dead_code, clippy::needless_range_loop)]
fn model(w: &[[f32; 3]; 2], x: &[f32; 3], k: f32) -> f32 {
    let h = layer(w, x);
    square(h[0] * k) + square(h[1]) + dot3(x, x) * square(k)
}
/// The value of [`model`] and its gradient with respect to `w`, `x`, `k`, generated at compile time by reverse-mode differentiation.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// ∂model/∂k = g1_0 + g4_0 * h[0]
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
fn model_grad(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    k: f32,
) -> (f32, f32) {
    let mut h = layer(w, x);
    let t1: f32 = h[0];
    let t2: f32 = t1 * k;
    let t3: f32 = h[1];
    let t4: f32 = square(t2);
    let t5: f32 = square(t3);
    let t6: f32 = t4 + t5;
    let t7: f32 = dot3(x, x);
    let t8: f32 = square(k);
    let t9: f32 = t7 * t8;
    let t10: f32 = t6 + t9;
    let value: f32 = t10;
    let mut d_h = ::backprop::__private::zero_like(&h);
    let (_, g1_0) = square_vjp(k, t7);
    let mut scratch2 = ::backprop::__private::zero_like(x);
    {
        let result = dot3_vjp(x, &mut *d_x, x, &mut scratch2, t8);
        ::backprop::__private::add_assign(&mut *d_x, &scratch2);
        result
    };
    let (_, g3_0) = square_vjp(t3, 1.0);
    let (_, g4_0) = square_vjp(t2, 1.0);
    d_h[1] += g3_0;
    let d_t1: f32 = (g4_0 * k);
    d_h[0] += d_t1;
    layer_vjp(w, &mut *d_w, x, &mut *d_x, &d_h);
    let d_k: f32 = (g1_0 + (g4_0 * t1));
    (value, d_k)
}
/// The value of [`model`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active): the composition contract of `#[differentiable]`.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// d_k = g1_0 + g4_0 * h[0]
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
fn model_vjp(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    k: f32,
    d_out: f32,
) -> (f32, f32) {
    let mut h = layer(w, x);
    let t1: f32 = h[0];
    let t2: f32 = t1 * k;
    let t3: f32 = h[1];
    let t4: f32 = square(t2);
    let t5: f32 = square(t3);
    let t6: f32 = t4 + t5;
    let t7: f32 = dot3(x, x);
    let t8: f32 = square(k);
    let t9: f32 = t7 * t8;
    let t10: f32 = t6 + t9;
    let value: f32 = t10;
    let mut d_h = ::backprop::__private::zero_like(&h);
    let d_t8: f32 = (d_out * t7);
    let (_, g1_0) = square_vjp(k, d_t8);
    let d_t7: f32 = (d_out * t8);
    let mut scratch2 = ::backprop::__private::zero_like(x);
    {
        let result = dot3_vjp(x, &mut *d_x, x, &mut scratch2, d_t7);
        ::backprop::__private::add_assign(&mut *d_x, &scratch2);
        result
    };
    let (_, g3_0) = square_vjp(t3, d_out);
    let (_, g4_0) = square_vjp(t2, d_out);
    d_h[1] += g3_0;
    let d_t1: f32 = (g4_0 * k);
    d_h[0] += d_t1;
    layer_vjp(w, &mut *d_w, x, &mut *d_x, &d_h);
    let d_k: f32 = (g1_0 + (g4_0 * t1));
    (value, d_k)
}
