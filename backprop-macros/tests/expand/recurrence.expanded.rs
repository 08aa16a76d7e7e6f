fn r(w: f32, x: &[f32; 6]) -> f32 {
    let mut h = 0.0;
    for i in 0..6 {
        h = (w * h + x[i]).tanh();
    }
    h * h
}
/// The value of [`r`] and its gradient with respect to `w`, `x`, generated at compile time by reverse-mode differentiation.
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
fn r_grad(w: f32, x: &[f32; 6], d_x: &mut [f32; 6]) -> (f32, f32) {
    let mut saved_h: [f32; 6] = [0.0f32; 6];
    let mut stored_t6: [f32; 6] = [0.0f32; 6];
    let mut h: f32 = 0.0;
    for i in 0..6 {
        let t2: f32 = h;
        let t3: f32 = w * t2;
        let t4: f32 = x[i];
        let t5: f32 = t3 + t4;
        let t6: f32 = ::backprop::__private::math::tanh(t5);
        stored_t6[i] = t6;
        saved_h[i] = h;
        h = t6;
    }
    let t7: f32 = h;
    let t8: f32 = t7 * t7;
    let value: f32 = t8;
    let mut d_w: f32 = 0.0;
    let mut d_h: f32 = 0.0;
    let d_t7: f32 = (2.0 * t7);
    d_h += d_t7;
    for i in (0..6).rev() {
        h = saved_h[i];
        let t2: f32 = h;
        let t3: f32 = w * t2;
        let t4: f32 = x[i];
        let t5: f32 = t3 + t4;
        let t6: f32 = stored_t6[i];
        h = t6;
        let g1: f32 = d_h;
        d_h = 0.0;
        h = saved_h[i];
        let d_t5: f32 = ((1.0 - (t6 * t6)) * g1);
        d_x[i] += d_t5;
        d_w += (d_t5 * t2);
        let d_t2: f32 = (d_t5 * w);
        d_h += d_t2;
    }
    (value, d_w)
}
/// The value of [`r`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`r_vjp`] calls both.
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
fn r_fwd(
    w: f32,
    x: &[f32; 6],
) -> (
    f32,
    impl ::core::ops::FnOnce(
        f32,
        &[f32; 6],
        ::core::option::Option<&mut [f32; 6]>,
        f32,
    ) -> f32,
) {
    let mut saved_h: [f32; 6] = [0.0f32; 6];
    let mut stored_t6: [f32; 6] = [0.0f32; 6];
    let mut h: f32 = 0.0;
    for i in 0..6 {
        let t2: f32 = h;
        let t3: f32 = w * t2;
        let t4: f32 = x[i];
        let t5: f32 = t3 + t4;
        let t6: f32 = ::backprop::__private::math::tanh(t5);
        stored_t6[i] = t6;
        saved_h[i] = h;
        h = t6;
    }
    let t7: f32 = h;
    let t8: f32 = t7 * t7;
    let value: f32 = t8;
    (
        value,
        move |
            w: f32,
            x: &[f32; 6],
            mut d_x: ::core::option::Option<&mut [f32; 6]>,
            d_out: f32,
        | -> f32 {
            let mut d_w: f32 = 0.0;
            let mut d_h: f32 = 0.0;
            let d_t7: f32 = ((2.0 * t7) * d_out);
            d_h += d_t7;
            for i in (0..6).rev() {
                h = saved_h[i];
                let t2: f32 = h;
                let t3: f32 = w * t2;
                let t4: f32 = x[i];
                let t5: f32 = t3 + t4;
                let t6: f32 = stored_t6[i];
                h = t6;
                let g1: f32 = d_h;
                d_h = 0.0;
                h = saved_h[i];
                let d_t5: f32 = ((1.0 - (t6 * t6)) * g1);
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[i] += d_t5;
                }
                d_w += (d_t5 * t2);
                let d_t2: f32 = (d_t5 * w);
                d_h += d_t2;
            }
            d_w
        },
    )
}
/// The value of [`r`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn r_vjp(w: f32, x: &[f32; 6], d_x: &mut [f32; 6], d_out: f32) -> (f32, f32) {
    let (value, pullback) = r_fwd(w, x);
    let grad_0 = pullback(w, x, ::core::option::Option::Some(d_x), d_out);
    (value, grad_0)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct r {}
#[allow(unused, clippy::all)]
impl r {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        w: f32,
        x: &[f32; 6],
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            f32,
            &[f32; 6],
            ::core::option::Option<&mut [f32; 6]>,
            f32,
        ) -> f32,
    ) {
        r_fwd(w, x)
    }
}
