pub fn leaky(x: f32, slope: f32) -> f32 {
    let y = if x > 0.0 { x } else { slope * x };
    y * 2.0
}
/// The value of [`leaky`] and its gradient with respect to `x`, `slope`, generated at compile time by reverse-mode differentiation.
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
pub fn leaky_grad(x: f32, slope: f32) -> (f32, f32, f32) {
    let mut if_0: f32 = 0.0;
    let t3: bool = x > 0.0;
    if t3 {
        if_0 = x;
    } else {
        let t4: f32 = slope * x;
        if_0 = t4;
    }
    let y: f32 = if_0;
    let t7: f32 = y * 2.0;
    let value: f32 = t7;
    let mut d_x: f32 = 0.0;
    let mut d_slope: f32 = 0.0;
    let mut d_if_0: f32 = 0.0;
    d_if_0 += 2.0;
    if t3 {
        if_0 = x;
        let g1: f32 = d_if_0;
        d_x += g1;
        d_if_0 = 0.0;
    } else {
        let t4: f32 = slope * x;
        if_0 = t4;
        let g2: f32 = d_if_0;
        d_if_0 = 0.0;
        d_slope += (g2 * x);
        d_x += (g2 * slope);
    }
    (value, d_x, d_slope)
}
/// The value of [`leaky`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`leaky_vjp`] calls both.
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
pub fn leaky_fwd(
    x: f32,
    slope: f32,
) -> (f32, impl ::core::ops::FnOnce(f32, f32, f32) -> (f32, f32)) {
    let mut if_0: f32 = 0.0;
    let t3: bool = x > 0.0;
    if t3 {
        if_0 = x;
    } else {
        let t4: f32 = slope * x;
        if_0 = t4;
    }
    let y: f32 = if_0;
    let t7: f32 = y * 2.0;
    let value: f32 = t7;
    (
        value,
        move |x: f32, slope: f32, d_out: f32| -> (f32, f32) {
            let mut d_x: f32 = 0.0;
            let mut d_slope: f32 = 0.0;
            let mut d_if_0: f32 = 0.0;
            let d_y: f32 = (d_out * 2.0);
            d_if_0 += d_y;
            if t3 {
                if_0 = x;
                let g1: f32 = d_if_0;
                d_x += g1;
                d_if_0 = 0.0;
            } else {
                let t4: f32 = slope * x;
                if_0 = t4;
                let g2: f32 = d_if_0;
                d_if_0 = 0.0;
                d_slope += (g2 * x);
                d_x += (g2 * slope);
            }
            (d_x, d_slope)
        },
    )
}
/// The value of [`leaky`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
pub fn leaky_vjp(x: f32, slope: f32, d_out: f32) -> (f32, f32, f32) {
    let (value, pullback) = leaky_fwd(x, slope);
    let (grad_0, grad_1) = pullback(x, slope, d_out);
    (value, grad_0, grad_1)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
pub struct leaky {}
#[allow(unused, clippy::all)]
impl leaky {
    #[doc(hidden)]
    #[inline]
    pub fn fwd(
        x: f32,
        slope: f32,
    ) -> (f32, impl ::core::ops::FnOnce(f32, f32, f32) -> (f32, f32)) {
        leaky_fwd(x, slope)
    }
}
