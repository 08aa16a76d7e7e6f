#[allow(dead_code, clippy::needless_range_loop)]
fn layer(w: &[[f32; 3]; 2], x: &[f32; 3]) -> [f32; 2] {
    let mut out = [0.0; 2];
    for j in 0..2 {
        out[j] = dot3(&w[j], x).tanh();
    }
    out
}
/// The value of [`layer`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active): the composition contract of `#[differentiable]`.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// Loops and branches are differentiated by a reverse sweep that recomputes loop-local values and restores overwritten ones from stack buffers; read the generated code with `cargo expand`.
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
fn layer_vjp(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    d_out: &[f32; 2],
) -> [f32; 2] {
    let mut saved_out: [f32; 2] = [0.0f32; 2];
    let mut stored_t1: [f32; 2] = [0.0f32; 2];
    let mut stored_t2: [f32; 2] = [0.0f32; 2];
    let mut out: [f32; 2] = [0.0; 2];
    for j in 0..2 {
        let t1: f32 = dot3(&w[j], x);
        stored_t1[j] = t1;
        let t2: f32 = ::backprop::__private::math::tanh(t1);
        stored_t2[j] = t2;
        saved_out[j] = out[j];
        out[j] = t2;
    }
    let value: [f32; 2] = out;
    let mut d_out_2: [f32; 2] = ::backprop::__private::Zero::zero();
    ::backprop::__private::add_assign(&mut d_out_2, d_out);
    for j in (0..2).rev() {
        out[j] = saved_out[j];
        let t1: f32 = stored_t1[j];
        let t2: f32 = stored_t2[j];
        out[j] = t2;
        let g1: f32 = d_out_2[j];
        d_out_2[j] = 0.0;
        out[j] = saved_out[j];
        let d_t1: f32 = ((1.0 - (t2 * t2)) * g1);
        dot3_vjp(&w[j], &mut d_w[j], x, &mut *d_x, d_t1);
    }
    value
}
