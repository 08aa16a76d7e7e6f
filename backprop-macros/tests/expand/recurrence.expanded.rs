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
/// The value of [`r`] and its tangent (forward mode, a Jacobian-vector product): each float argument is followed by its tangent, of the same type (`&T` for a `&T` argument); returns `(value, tangent)`.
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
fn r_jvp(w: f32, w_dot: f32, x: &[f32; 6], x_dot: &[f32; 6]) -> (f32, f32) {
    let mut h: f32 = 0.0;
    let mut h_dot: f32 = 0.0;
    for i in 0..6 {
        let t3: f32 = h;
        let t4: f32 = h_dot;
        let t5: f32 = w * t3;
        let t6: f32 = t3 * w_dot;
        let t7: f32 = w * t4;
        let t8: f32 = t6 + t7;
        let t9: f32 = x[i];
        let t10: f32 = x_dot[i];
        let t11: f32 = t5 + t9;
        let t12: f32 = t8 + t10;
        let t13: f32 = ::backprop::__private::math::tanh(t11);
        let t15: f32 = t13 * t13;
        let t16: f32 = 1.0 - t15;
        let t17: f32 = t16 * t12;
        h = t13;
        h_dot = t17;
    }
    let t18: f32 = h;
    let t19: f32 = h_dot;
    let t20: f32 = t18 * t18;
    let t22: f32 = 2.0 * t18;
    let t23: f32 = t22 * t19;
    (t20, t23)
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
    #[doc(hidden)]
    #[inline]
    fn jvp(w: f32, w_dot: f32, x: &[f32; 6], x_dot: &[f32; 6]) -> (f32, f32) {
        r_jvp(w, w_dot, x, x_dot)
    }
}
