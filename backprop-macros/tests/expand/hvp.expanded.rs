fn energy(x: &[f32; 4], k: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        let d = x[i + 1] - x[i];
        s += k * d * d;
    }
    s.sqrt()
}
/// The value of [`energy`] and its gradient with respect to `x`, `k`, generated at compile time by reverse-mode differentiation.
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
fn energy_grad(x: &[f32; 4], d_x: &mut [f32; 4], k: f32) -> (f32, f32) {
    let mut s: f32 = 0.0;
    let mut g_x = ::backprop::__private::zero_like(x);
    ::backprop::__private::in_memory(&mut g_x);
    let mut g_k: f32 = 0.0;
    let d_s_unit: f32 = 1.0;
    for i in 0..3 {
        let g_x_mut = &mut g_x;
        let t2: f32 = x[(i + 1)];
        let t3: f32 = x[i];
        let d: f32 = t2 - t3;
        let t5: f32 = k * d;
        let t6: f32 = t5 * d;
        s += t6;
        let g1: f32 = d_s_unit;
        let d_t5: f32 = (g1 * d);
        g_k += (d_t5 * d);
        let d_d: f32 = ((g1 * t5) + (d_t5 * k));
        let d_t3: f32 = (-d_d);
        g_x_mut[i] += d_t3;
        g_x_mut[(i + 1)] += d_d;
    }
    let t7: f32 = s;
    let t8: f32 = ::backprop::__private::math::sqrt(t7);
    let value: f32 = t8;
    let mut d_k: f32 = 0.0;
    let mut d_s: f32 = 0.0;
    let d_t7: f32 = (1.0 / (2.0 * t8));
    d_s += d_t7;
    ::backprop::__private::add_scaled(&mut *d_x, d_s, &g_x);
    d_k += (d_s * g_k);
    (value, d_k)
}
/// The value of [`energy`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`energy_vjp`] calls both.
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
fn energy_fwd(
    x: &[f32; 4],
    k: f32,
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[f32; 4],
        ::core::option::Option<&mut [f32; 4]>,
        f32,
        f32,
    ) -> f32,
) {
    let mut s: f32 = 0.0;
    let mut g_x = ::backprop::__private::zero_like(x);
    ::backprop::__private::in_memory(&mut g_x);
    let mut g_k: f32 = 0.0;
    let d_s_unit: f32 = 1.0;
    for i in 0..3 {
        let g_x_mut = &mut g_x;
        let t2: f32 = x[(i + 1)];
        let t3: f32 = x[i];
        let d: f32 = t2 - t3;
        let t5: f32 = k * d;
        let t6: f32 = t5 * d;
        s += t6;
        let g1: f32 = d_s_unit;
        let d_t5: f32 = (g1 * d);
        g_k += (d_t5 * d);
        let d_d: f32 = ((g1 * t5) + (d_t5 * k));
        let d_t3: f32 = (-d_d);
        g_x_mut[i] += d_t3;
        g_x_mut[(i + 1)] += d_d;
    }
    let t7: f32 = s;
    let t8: f32 = ::backprop::__private::math::sqrt(t7);
    let value: f32 = t8;
    (
        value,
        move |
            x: &[f32; 4],
            mut d_x: ::core::option::Option<&mut [f32; 4]>,
            k: f32,
            d_out: f32,
        | -> f32 {
            let mut d_k: f32 = 0.0;
            let mut d_s: f32 = 0.0;
            let d_t7: f32 = (d_out / (2.0 * t8));
            d_s += d_t7;
            if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                ::backprop::__private::add_scaled(shadow, d_s, &g_x);
            }
            d_k += (d_s * g_k);
            d_k
        },
    )
}
/// The value of [`energy`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn energy_vjp(x: &[f32; 4], d_x: &mut [f32; 4], k: f32, d_out: f32) -> (f32, f32) {
    let (value, pullback) = energy_fwd(x, k);
    let grad_1 = pullback(x, ::core::option::Option::Some(d_x), k, d_out);
    (value, grad_1)
}
/// The value of [`energy`] and its tangent (forward mode, a Jacobian-vector product): each float argument is followed by its tangent, of the same type (`&T` for a `&T` argument); returns `(value, tangent)`.
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
fn energy_jvp(x: &[f32; 4], x_dot: &[f32; 4], k: f32, k_dot: f32) -> (f32, f32) {
    let mut s: f32 = 0.0;
    let mut s_dot: f32 = 0.0;
    for i in 0..3 {
        let t3: f32 = x[(i + 1)];
        let t4: f32 = x_dot[(i + 1)];
        let t5: f32 = x[i];
        let t6: f32 = x_dot[i];
        let d: f32 = t3 - t5;
        let d_dot: f32 = t4 - t6;
        let t9: f32 = k * d;
        let t10: f32 = d * k_dot;
        let t11: f32 = k * d_dot;
        let t12: f32 = t10 + t11;
        let t13: f32 = t9 * d;
        let t14: f32 = d * t12;
        let t15: f32 = t9 * d_dot;
        let t16: f32 = t14 + t15;
        s += t13;
        s_dot += t16;
    }
    let t17: f32 = s;
    let t18: f32 = s_dot;
    let t19: f32 = ::backprop::__private::math::sqrt(t17);
    let t22: f32 = 2.0 * t19;
    let t23: f32 = 1.0 / t22;
    let t24: f32 = t23 * t18;
    (t19, t24)
}
/// The value of [`energy`] and `K` tangents at once (forward mode, `K` Jacobian-vector products): each float argument is followed by its `K` tangents, `[T; K]` for a by-value `T` and `[&T; K]` for a `&T`; returns `(value, [tangent; K])`. One pass: the value and the partials are computed once and shared by the lanes.
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
fn energy_jvpk<const LANES: usize>(
    x: &[f32; 4],
    x_dot: [&[f32; 4]; LANES],
    k: f32,
    k_dot: [f32; LANES],
) -> (f32, [f32; LANES]) {
    let mut s: f32 = 0.0;
    let mut s_dot: [f32; LANES] = [0.0; LANES];
    for i in 0..3 {
        let t3: f32 = x[(i + 1)];
        let mut t4: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t4[k_2] = x_dot[k_2][(i + 1)];
        }
        let t5: f32 = x[i];
        let mut t6: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t6[k_2] = x_dot[k_2][i];
        }
        let d: f32 = t3 - t5;
        let mut d_dot: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            d_dot[k_2] = t4[k_2] - t6[k_2];
        }
        let t9: f32 = k * d;
        let mut t10: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t10[k_2] = d * k_dot[k_2];
        }
        let mut t11: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t11[k_2] = k * d_dot[k_2];
        }
        let mut t12: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t12[k_2] = t10[k_2] + t11[k_2];
        }
        let t13: f32 = t9 * d;
        let mut t14: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t14[k_2] = d * t12[k_2];
        }
        let mut t15: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t15[k_2] = t9 * d_dot[k_2];
        }
        let mut t16: [f32; LANES] = [0.0; LANES];
        for k_2 in 0..LANES {
            t16[k_2] = t14[k_2] + t15[k_2];
        }
        s += t13;
        for k_2 in 0..LANES {
            s_dot[k_2] += t16[k_2];
        }
    }
    let t17: f32 = s;
    let mut t18: [f32; LANES] = [0.0; LANES];
    for k_2 in 0..LANES {
        t18[k_2] = s_dot[k_2];
    }
    let t19: f32 = ::backprop::__private::math::sqrt(t17);
    let t22: f32 = 2.0 * t19;
    let t23: f32 = 1.0 / t22;
    let mut t24: [f32; LANES] = [0.0; LANES];
    for k_2 in 0..LANES {
        t24[k_2] = t23 * t18[k_2];
    }
    (t19, t24)
}
#[doc(hidden)]
/// The tangent program's value and pullback (split mode), for the `_hvp` of callers.
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
fn energy_tangent_fwd(
    x: &[f32; 4],
    x_dot: &[f32; 4],
    k: f32,
    k_dot: f32,
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[f32; 4],
        ::core::option::Option<&mut [f32; 4]>,
        &[f32; 4],
        ::core::option::Option<&mut [f32; 4]>,
        f32,
        f32,
        f32,
    ) -> (f32, f32),
) {
    let mut s: f32 = 0.0;
    let mut s_dot: f32 = 0.0;
    for i in 0..3 {
        let t3: f32 = x[(i + 1)];
        let t4: f32 = x_dot[(i + 1)];
        let t5: f32 = x[i];
        let t6: f32 = x_dot[i];
        let d: f32 = t3 - t5;
        let d_dot: f32 = t4 - t6;
        let t9: f32 = k * d;
        let t10: f32 = d * k_dot;
        let t11: f32 = k * d_dot;
        let t12: f32 = t10 + t11;
        let t13: f32 = t9 * d;
        let t14: f32 = d * t12;
        let t15: f32 = t9 * d_dot;
        let t16: f32 = t14 + t15;
        s += t13;
        s_dot += t16;
    }
    let t17: f32 = s;
    let t18: f32 = s_dot;
    let t19: f32 = ::backprop::__private::math::sqrt(t17);
    let t22: f32 = 2.0 * t19;
    let t23: f32 = 1.0 / t22;
    let t24: f32 = t23 * t18;
    let value: f32 = t24;
    (
        value,
        move |
            x: &[f32; 4],
            mut d_x: ::core::option::Option<&mut [f32; 4]>,
            x_dot: &[f32; 4],
            mut d_x_dot: ::core::option::Option<&mut [f32; 4]>,
            k: f32,
            k_dot: f32,
            d_out: f32,
        | -> (f32, f32) {
            let mut d_k: f32 = 0.0;
            let mut d_k_dot: f32 = 0.0;
            let mut d_s: f32 = 0.0;
            let mut d_s_dot: f32 = 0.0;
            let d_t23: f32 = (d_out * t18);
            let d_t22: f32 = (-((d_t23 * t23) / t22));
            let d_t19: f32 = (d_t22 * 2.0);
            let d_t18: f32 = (d_out * t23);
            d_s_dot += d_t18;
            let d_t17: f32 = (d_t19 / (2.0 * t19));
            d_s += d_t17;
            for i in (0..3).rev() {
                let t3: f32 = x[(i + 1)];
                let t4: f32 = x_dot[(i + 1)];
                let t5: f32 = x[i];
                let t6: f32 = x_dot[i];
                let d: f32 = t3 - t5;
                let d_dot: f32 = t4 - t6;
                let t9: f32 = k * d;
                let t10: f32 = d * k_dot;
                let t11: f32 = k * d_dot;
                let t12: f32 = t10 + t11;
                let t13: f32 = t9 * d;
                let t14: f32 = d * t12;
                let t15: f32 = t9 * d_dot;
                let t16: f32 = t14 + t15;
                let g1: f32 = d_s_dot;
                let g2: f32 = d_s;
                let d_t12: f32 = (g1 * d);
                d_k += (d_t12 * d_dot);
                d_k_dot += (d_t12 * d);
                let d_t9: f32 = ((g1 * d_dot) + (g2 * d));
                d_k += (d_t9 * d);
                let d_d_dot: f32 = ((g1 * t9) + (d_t12 * k));
                let d_d: f32 = ((g1 * t12) + (g2 * t9) + (d_t12 * k_dot) + (d_t9 * k));
                let d_t6: f32 = (-d_d_dot);
                if let ::core::option::Option::Some(shadow) = d_x_dot.as_deref_mut() {
                    shadow[i] += d_t6;
                }
                let d_t5: f32 = (-d_d);
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[i] += d_t5;
                }
                if let ::core::option::Option::Some(shadow) = d_x_dot.as_deref_mut() {
                    shadow[(i + 1)] += d_d_dot;
                }
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[(i + 1)] += d_d;
                }
            }
            (d_k, d_k_dot)
        },
    )
}
/// The value of [`energy`] and a Hessian-vector product `H v` for its `wrt` parameters: each float argument is followed by its component of `v` (same type), each `&` one in `wrt` by the shadow `H v` is added into; by-value components of `H v` are returned after the value. Reverse mode over forward mode: the gradient of the tangent of `energy`.
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
fn energy_hvp(
    x: &[f32; 4],
    x_dot: &[f32; 4],
    d_x: &mut [f32; 4],
    k: f32,
    k_dot: f32,
) -> (f32, f32) {
    let mut s: f32 = 0.0;
    let mut s_dot: f32 = 0.0;
    for i in 0..3 {
        let t3: f32 = x[(i + 1)];
        let t4: f32 = x_dot[(i + 1)];
        let t5: f32 = x[i];
        let t6: f32 = x_dot[i];
        let d: f32 = t3 - t5;
        let d_dot: f32 = t4 - t6;
        let t9: f32 = k * d;
        let t10: f32 = d * k_dot;
        let t11: f32 = k * d_dot;
        let t12: f32 = t10 + t11;
        let t13: f32 = t9 * d;
        let t14: f32 = d * t12;
        let t15: f32 = t9 * d_dot;
        let t16: f32 = t14 + t15;
        s += t13;
        s_dot += t16;
    }
    let t17: f32 = s;
    let t18: f32 = s_dot;
    let t19: f32 = ::backprop::__private::math::sqrt(t17);
    let t22: f32 = 2.0 * t19;
    let t23: f32 = 1.0 / t22;
    let t24: f32 = t23 * t18;
    let value: f32 = t24;
    let mut d_k: f32 = 0.0;
    let mut d_s: f32 = 0.0;
    let mut d_s_dot: f32 = 0.0;
    let d_t22: f32 = (-((t18 * t23) / t22));
    let d_t19: f32 = (d_t22 * 2.0);
    d_s_dot += t23;
    let d_t17: f32 = (d_t19 / (2.0 * t19));
    d_s += d_t17;
    for i in (0..3).rev() {
        let t3: f32 = x[(i + 1)];
        let t4: f32 = x_dot[(i + 1)];
        let t5: f32 = x[i];
        let t6: f32 = x_dot[i];
        let d: f32 = t3 - t5;
        let d_dot: f32 = t4 - t6;
        let t9: f32 = k * d;
        let t10: f32 = d * k_dot;
        let t11: f32 = k * d_dot;
        let t12: f32 = t10 + t11;
        let t13: f32 = t9 * d;
        let t14: f32 = d * t12;
        let t15: f32 = t9 * d_dot;
        let t16: f32 = t14 + t15;
        let g1: f32 = d_s_dot;
        let g2: f32 = d_s;
        let d_t12: f32 = (g1 * d);
        d_k += (d_t12 * d_dot);
        let d_t9: f32 = ((g1 * d_dot) + (g2 * d));
        d_k += (d_t9 * d);
        let d_d: f32 = ((g1 * t12) + (g2 * t9) + (d_t12 * k_dot) + (d_t9 * k));
        let d_t5: f32 = (-d_d);
        d_x[i] += d_t5;
        d_x[(i + 1)] += d_d;
    }
    (t19, d_k)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct energy {}
#[allow(unused, clippy::all)]
impl energy {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        x: &[f32; 4],
        k: f32,
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[f32; 4],
            ::core::option::Option<&mut [f32; 4]>,
            f32,
            f32,
        ) -> f32,
    ) {
        energy_fwd(x, k)
    }
    #[doc(hidden)]
    #[inline]
    fn jvp(x: &[f32; 4], x_dot: &[f32; 4], k: f32, k_dot: f32) -> (f32, f32) {
        energy_jvp(x, x_dot, k, k_dot)
    }
    #[doc(hidden)]
    #[inline]
    fn jvpk<const LANES: usize>(
        x: &[f32; 4],
        x_dot: [&[f32; 4]; LANES],
        k: f32,
        k_dot: [f32; LANES],
    ) -> (f32, [f32; LANES]) {
        energy_jvpk::<LANES>(x, x_dot, k, k_dot)
    }
    #[doc(hidden)]
    #[inline]
    fn tangent_fwd(
        x: &[f32; 4],
        x_dot: &[f32; 4],
        k: f32,
        k_dot: f32,
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[f32; 4],
            ::core::option::Option<&mut [f32; 4]>,
            &[f32; 4],
            ::core::option::Option<&mut [f32; 4]>,
            f32,
            f32,
            f32,
        ) -> (f32, f32),
    ) {
        energy_tangent_fwd(x, x_dot, k, k_dot)
    }
}
