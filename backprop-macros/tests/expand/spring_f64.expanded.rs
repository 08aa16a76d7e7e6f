fn spring(p: &[[f64; 2]; 3], k: f64) -> f64 {
    let mut e = 0.0;
    for i in 0..2 {
        let dx = p[i + 1][0] - p[i][0];
        let dy = p[i + 1][1] - p[i][1];
        let s = (dx * dx + dy * dy).sqrt() - 0.1;
        e += 0.5 * k * s * s;
    }
    e
}
/// The value of [`spring`] and its gradient with respect to `p`, `k`, generated at compile time by reverse-mode differentiation.
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
fn spring_grad(p: &[[f64; 2]; 3], d_p: &mut [[f64; 2]; 3], k: f64) -> (f64, f64) {
    let mut e: f64 = 0.0;
    let mut g_p = ::backprop::__private::zero_like(p);
    ::backprop::__private::in_memory(&mut g_p);
    let mut g_k: f64 = 0.0;
    let d_e_unit: f64 = 1.0;
    for i in 0..2 {
        let g_p_mut = &mut g_p;
        let t2: f64 = p[(i + 1)][0];
        let t3: f64 = p[i][0];
        let dx: f64 = t2 - t3;
        let t5: f64 = p[(i + 1)][1];
        let t6: f64 = p[i][1];
        let dy: f64 = t5 - t6;
        let t8: f64 = dx * dx;
        let t9: f64 = dy * dy;
        let t10: f64 = t8 + t9;
        let t11: f64 = ::backprop::__private::math::f64::sqrt(t10);
        let s: f64 = t11 - 0.1;
        let t15: f64 = 0.5 * k;
        let t16: f64 = t15 * s;
        let t17: f64 = t16 * s;
        e += t17;
        let g1: f64 = d_e_unit;
        let d_t16: f64 = (g1 * s);
        let d_t15: f64 = (d_t16 * s);
        g_k += (d_t15 * 0.5);
        let d_s: f64 = ((g1 * t16) + (d_t16 * t15));
        let d_t10: f64 = (d_s / (2.0 * t11));
        let d_dy: f64 = ((2.0 * dy) * d_t10);
        let d_t6: f64 = (-d_dy);
        g_p_mut[i][1] += d_t6;
        g_p_mut[(i + 1)][1] += d_dy;
        let d_dx: f64 = ((2.0 * dx) * d_t10);
        let d_t3: f64 = (-d_dx);
        g_p_mut[i][0] += d_t3;
        g_p_mut[(i + 1)][0] += d_dx;
    }
    let t18: f64 = e;
    let value: f64 = t18;
    let mut d_k: f64 = 0.0;
    let mut d_e: f64 = 0.0;
    d_e += 1.0;
    ::backprop::__private::add_scaled(&mut *d_p, d_e, &g_p);
    d_k += (d_e * g_k);
    (value, d_k)
}
/// The value of [`spring`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`spring_vjp`] calls both.
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
fn spring_fwd(
    p: &[[f64; 2]; 3],
    k: f64,
) -> (
    f64,
    impl ::core::ops::FnOnce(
        &[[f64; 2]; 3],
        ::core::option::Option<&mut [[f64; 2]; 3]>,
        f64,
        f64,
    ) -> f64,
) {
    let mut e: f64 = 0.0;
    let mut g_p = ::backprop::__private::zero_like(p);
    ::backprop::__private::in_memory(&mut g_p);
    let mut g_k: f64 = 0.0;
    let d_e_unit: f64 = 1.0;
    for i in 0..2 {
        let g_p_mut = &mut g_p;
        let t2: f64 = p[(i + 1)][0];
        let t3: f64 = p[i][0];
        let dx: f64 = t2 - t3;
        let t5: f64 = p[(i + 1)][1];
        let t6: f64 = p[i][1];
        let dy: f64 = t5 - t6;
        let t8: f64 = dx * dx;
        let t9: f64 = dy * dy;
        let t10: f64 = t8 + t9;
        let t11: f64 = ::backprop::__private::math::f64::sqrt(t10);
        let s: f64 = t11 - 0.1;
        let t15: f64 = 0.5 * k;
        let t16: f64 = t15 * s;
        let t17: f64 = t16 * s;
        e += t17;
        let g1: f64 = d_e_unit;
        let d_t16: f64 = (g1 * s);
        let d_t15: f64 = (d_t16 * s);
        g_k += (d_t15 * 0.5);
        let d_s: f64 = ((g1 * t16) + (d_t16 * t15));
        let d_t10: f64 = (d_s / (2.0 * t11));
        let d_dy: f64 = ((2.0 * dy) * d_t10);
        let d_t6: f64 = (-d_dy);
        g_p_mut[i][1] += d_t6;
        g_p_mut[(i + 1)][1] += d_dy;
        let d_dx: f64 = ((2.0 * dx) * d_t10);
        let d_t3: f64 = (-d_dx);
        g_p_mut[i][0] += d_t3;
        g_p_mut[(i + 1)][0] += d_dx;
    }
    let t18: f64 = e;
    let value: f64 = t18;
    (
        value,
        move |
            p: &[[f64; 2]; 3],
            mut d_p: ::core::option::Option<&mut [[f64; 2]; 3]>,
            k: f64,
            d_out: f64,
        | -> f64 {
            let mut d_k: f64 = 0.0;
            let mut d_e: f64 = 0.0;
            d_e += d_out;
            if let ::core::option::Option::Some(shadow) = d_p.as_deref_mut() {
                ::backprop::__private::add_scaled(shadow, d_e, &g_p);
            }
            d_k += (d_e * g_k);
            d_k
        },
    )
}
/// The value of [`spring`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn spring_vjp(
    p: &[[f64; 2]; 3],
    d_p: &mut [[f64; 2]; 3],
    k: f64,
    d_out: f64,
) -> (f64, f64) {
    let (value, pullback) = spring_fwd(p, k);
    let grad_1 = pullback(p, ::core::option::Option::Some(d_p), k, d_out);
    (value, grad_1)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct spring {}
#[allow(unused, clippy::all)]
impl spring {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        p: &[[f64; 2]; 3],
        k: f64,
    ) -> (
        f64,
        impl ::core::ops::FnOnce(
            &[[f64; 2]; 3],
            ::core::option::Option<&mut [[f64; 2]; 3]>,
            f64,
            f64,
        ) -> f64,
    ) {
        spring_fwd(p, k)
    }
}
