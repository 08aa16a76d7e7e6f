fn log_sum_exp<const N: usize>(w: &[f32; 2], x: &[[f32; 2]; N]) -> f32 {
    let mut loss = 0.0;
    for p in 0..N {
        let a = w[0] * x[p][0];
        let b = w[1] * x[p][1];
        let mut m = a;
        if b > m {
            m = b;
        }
        loss += m + ((a - m).exp() + (b - m).exp()).ln();
    }
    loss
}
/// The value of [`log_sum_exp`] and its gradient with respect to `w`, generated at compile time by reverse-mode differentiation.
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
fn log_sum_exp_grad<const N: usize>(
    w: &[f32; 2],
    d_w: &mut [f32; 2],
    x: &[[f32; 2]; N],
) -> f32 {
    let mut took_branch: bool = false;
    let mut stored_t11: f32 = 0.0f32;
    let mut stored_t13: f32 = 0.0f32;
    let mut stored_t15: f32 = 0.0f32;
    let mut loss: f32 = 0.0;
    let mut g_w = ::backprop::__private::zero_like(w);
    ::backprop::__private::in_memory(&mut g_w);
    let d_loss_unit: f32 = 1.0;
    let start = 0;
    let stop = N;
    let blocks_end = if stop >= start + ::backprop::__private::lanes::MIN_LEN {
        start
            + (stop - start) / ::backprop::__private::lanes::WIDTH
                * ::backprop::__private::lanes::WIDTH
    } else {
        start
    };
    if blocks_end > start {
        let mut g_w_lanes = ::backprop::__private::lanes::zero_lanes_like(&g_w);
        ::backprop::__private::in_memory(&mut g_w_lanes);
        let mut took_branch_lanes: ::backprop::__private::lanes::Mask = ::backprop::__private::lanes::Mask::NONE;
        let mut stored_t11_lanes: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::ZERO;
        let mut stored_t13_lanes: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::ZERO;
        let mut stored_t15_lanes: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::ZERO;
        for p in (start..blocks_end).step_by(::backprop::__private::lanes::WIDTH) {
            let g_w_lanes_mut = &mut g_w_lanes;
            let mut term: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                -0.0,
            );
            let t1: f32 = w[0];
            let t2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::gather(|
                lane|
            {
                let p = p + lane;
                x[p][0]
            });
            let a: ::backprop::__private::lanes::Lanes = t1 * t2;
            let t4: f32 = w[1];
            let t5: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::gather(|
                lane|
            {
                let p = p + lane;
                x[p][1]
            });
            let b: ::backprop::__private::lanes::Lanes = t4 * t5;
            let mut m: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                a,
            );
            let t7: ::backprop::__private::lanes::Lanes = m;
            let t8: ::backprop::__private::lanes::Mask = ::backprop::__private::lanes::gt(
                b,
                t7,
            );
            took_branch_lanes = t8;
            let lanes_then: ::backprop::__private::lanes::Mask = t8;
            if lanes_then.any() {
                ::backprop::__private::lanes::set_where(lanes_then, &mut m, b);
            }
            let t9: ::backprop::__private::lanes::Lanes = m;
            let t10: ::backprop::__private::lanes::Lanes = a - t9;
            let t11: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::exp(
                t10,
            );
            stored_t11_lanes = t11;
            let t12: ::backprop::__private::lanes::Lanes = b - t9;
            let t13: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::exp(
                t12,
            );
            stored_t13_lanes = t13;
            let t14: ::backprop::__private::lanes::Lanes = t11 + t13;
            let t15: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::ln(
                t14,
            );
            stored_t15_lanes = t15;
            let t16: ::backprop::__private::lanes::Lanes = t9 + t15;
            term = ::backprop::__private::lanes::Lanes::from(t16);
            for lane in 0..::backprop::__private::lanes::WIDTH {
                loss += term.0[lane];
            }
            let mut d_b_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::ZERO;
            let mut d_m: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::ZERO;
            let g1_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                d_loss_unit,
            );
            let d_t14_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                (g1_2 / t14),
            );
            let d_t12_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                ::backprop::__private::lanes::flushed_product(d_t14_2, t13),
            );
            d_b_2 += d_t12_2;
            let d_t10_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                ::backprop::__private::lanes::flushed_product(d_t14_2, t11),
            );
            let d_t9_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                (g1_2 - d_t12_2 - d_t10_2),
            );
            d_m += d_t9_2;
            let lanes_then_2: ::backprop::__private::lanes::Mask = t8;
            if lanes_then_2.any() {
                ::backprop::__private::lanes::set_where(lanes_then_2, &mut m, b);
                let g2_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                    d_m,
                );
                ::backprop::__private::lanes::add_where(lanes_then_2, &mut d_b_2, g2_2);
                ::backprop::__private::lanes::set_where(lanes_then_2, &mut d_m, 0.0);
            }
            let d_t4_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                (d_b_2 * t5),
            );
            g_w_lanes_mut[1] += d_t4_2;
            let d_a_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                (d_t10_2 + d_m),
            );
            let d_t1_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                (d_a_2 * t2),
            );
            g_w_lanes_mut[0] += d_t1_2;
        }
        ::backprop::__private::lanes::HasLanes::add_lane_sums(&mut g_w, &g_w_lanes);
    }
    for p in blocks_end..stop {
        let g_w_mut = &mut g_w;
        let t1: f32 = w[0];
        let t2: f32 = x[p][0];
        let a: f32 = t1 * t2;
        let t4: f32 = w[1];
        let t5: f32 = x[p][1];
        let b: f32 = t4 * t5;
        let mut m: f32 = a;
        let t7: f32 = m;
        let t8: bool = b > t7;
        took_branch = t8;
        if t8 {
            m = b;
        } else {}
        let t9: f32 = m;
        let t10: f32 = a - t9;
        let t11: f32 = ::backprop::__private::math::exp(t10);
        stored_t11 = t11;
        let t12: f32 = b - t9;
        let t13: f32 = ::backprop::__private::math::exp(t12);
        stored_t13 = t13;
        let t14: f32 = t11 + t13;
        let t15: f32 = ::backprop::__private::math::ln(t14);
        stored_t15 = t15;
        let t16: f32 = t9 + t15;
        loss += t16;
        let mut d_b: f32 = 0.0;
        let mut d_m: f32 = 0.0;
        let g1: f32 = d_loss_unit;
        let d_t14: f32 = (g1 / t14);
        let d_t12: f32 = ::backprop::__private::flushed_product(d_t14, t13);
        d_b += d_t12;
        let d_t10: f32 = ::backprop::__private::flushed_product(d_t14, t11);
        let d_t9: f32 = (g1 - d_t12 - d_t10);
        d_m += d_t9;
        if t8 {
            m = b;
            let g2: f32 = d_m;
            d_b += g2;
            d_m = 0.0;
        } else {}
        let d_t4: f32 = (d_b * t5);
        g_w_mut[1] += d_t4;
        let d_a: f32 = (d_t10 + d_m);
        let d_t1: f32 = (d_a * t2);
        g_w_mut[0] += d_t1;
    }
    let t17: f32 = loss;
    let value: f32 = t17;
    let mut d_loss: f32 = 0.0;
    d_loss += 1.0;
    ::backprop::__private::add_scaled(&mut *d_w, d_loss, &g_w);
    value
}
/// The value of [`log_sum_exp`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`log_sum_exp_vjp`] calls both.
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
fn log_sum_exp_fwd<const N: usize>(
    w: &[f32; 2],
    x: &[[f32; 2]; N],
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[f32; 2],
        ::core::option::Option<&mut [f32; 2]>,
        &[[f32; 2]; N],
        ::core::option::Option<&mut [[f32; 2]; N]>,
        f32,
    ) -> (),
) {
    let mut took_branch: bool = false;
    let mut stored_t11: f32 = 0.0f32;
    let mut stored_t13: f32 = 0.0f32;
    let mut stored_t15: f32 = 0.0f32;
    let mut loss: f32 = 0.0;
    for p in 0..N {
        let t1: f32 = w[0];
        let t2: f32 = x[p][0];
        let a: f32 = t1 * t2;
        let t4: f32 = w[1];
        let t5: f32 = x[p][1];
        let b: f32 = t4 * t5;
        let mut m: f32 = a;
        let t7: f32 = m;
        let t8: bool = b > t7;
        if t8 {
            m = b;
        } else {}
        let t9: f32 = m;
        let t10: f32 = a - t9;
        let t11: f32 = ::backprop::__private::math::exp(t10);
        let t12: f32 = b - t9;
        let t13: f32 = ::backprop::__private::math::exp(t12);
        let t14: f32 = t11 + t13;
        let t15: f32 = ::backprop::__private::math::ln(t14);
        let t16: f32 = t9 + t15;
        loss += t16;
    }
    let t17: f32 = loss;
    let value: f32 = t17;
    (
        value,
        move |
            w: &[f32; 2],
            mut d_w: ::core::option::Option<&mut [f32; 2]>,
            x: &[[f32; 2]; N],
            mut d_x: ::core::option::Option<&mut [[f32; 2]; N]>,
            d_out: f32,
        | -> () {
            let mut d_loss: f32 = 0.0;
            d_loss += d_out;
            let mut d_sum_even: f32 = 0.0;
            let mut d_sum_odd: f32 = 0.0;
            let mut d_sum_even_2: f32 = 0.0;
            let mut d_sum_odd_2: f32 = 0.0;
            for p in (0..N).rev() {
                let t1: f32 = w[0];
                let t2: f32 = x[p][0];
                let a: f32 = t1 * t2;
                let t4: f32 = w[1];
                let t5: f32 = x[p][1];
                let b: f32 = t4 * t5;
                let mut m: f32 = a;
                let t7: f32 = m;
                let t8: bool = b > t7;
                took_branch = t8;
                if t8 {
                    m = b;
                } else {}
                let t9: f32 = m;
                let t10: f32 = a - t9;
                let t11: f32 = ::backprop::__private::math::exp(t10);
                stored_t11 = t11;
                let t12: f32 = b - t9;
                let t13: f32 = ::backprop::__private::math::exp(t12);
                stored_t13 = t13;
                let t14: f32 = t11 + t13;
                let t15: f32 = ::backprop::__private::math::ln(t14);
                stored_t15 = t15;
                let t16: f32 = t9 + t15;
                let mut d_b: f32 = 0.0;
                let mut d_m: f32 = 0.0;
                let g1: f32 = d_loss;
                let d_t14: f32 = (g1 / t14);
                let d_t12: f32 = ::backprop::__private::flushed_product(d_t14, t13);
                d_b += d_t12;
                let d_t10: f32 = ::backprop::__private::flushed_product(d_t14, t11);
                let d_t9: f32 = (g1 - d_t12 - d_t10);
                d_m += d_t9;
                if t8 {
                    m = b;
                    let g2: f32 = d_m;
                    d_b += g2;
                    d_m = 0.0;
                } else {}
                let d_t5: f32 = (d_b * t4);
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[p][1] += d_t5;
                }
                let d_t4: f32 = (d_b * t5);
                {
                    let part = d_t4;
                    d_sum_even_2 += if p % 2 == 0 { part } else { 0.0 };
                    d_sum_odd_2 += if p % 2 == 0 { 0.0 } else { part };
                }
                let d_a: f32 = (d_t10 + d_m);
                let d_t2: f32 = (d_a * t1);
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[p][0] += d_t2;
                }
                let d_t1: f32 = (d_a * t2);
                {
                    let part = d_t1;
                    d_sum_even += if p % 2 == 0 { part } else { 0.0 };
                    d_sum_odd += if p % 2 == 0 { 0.0 } else { part };
                }
            }
            if let ::core::option::Option::Some(shadow) = d_w.as_deref_mut() {
                shadow[0] += (d_sum_even + d_sum_odd);
            }
            if let ::core::option::Option::Some(shadow) = d_w.as_deref_mut() {
                shadow[1] += (d_sum_even_2 + d_sum_odd_2);
            }
            ()
        },
    )
}
/// The value of [`log_sum_exp`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn log_sum_exp_vjp<const N: usize>(
    w: &[f32; 2],
    d_w: &mut [f32; 2],
    x: &[[f32; 2]; N],
    d_x: &mut [[f32; 2]; N],
    d_out: f32,
) -> f32 {
    let (value, pullback) = log_sum_exp_fwd::<N>(w, x);
    let () = pullback(
        w,
        ::core::option::Option::Some(d_w),
        x,
        ::core::option::Option::Some(d_x),
        d_out,
    );
    value
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct log_sum_exp {}
#[allow(unused, clippy::all)]
impl log_sum_exp {
    #[doc(hidden)]
    #[inline]
    fn fwd<const N: usize>(
        w: &[f32; 2],
        x: &[[f32; 2]; N],
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[f32; 2],
            ::core::option::Option<&mut [f32; 2]>,
            &[[f32; 2]; N],
            ::core::option::Option<&mut [[f32; 2]; N]>,
            f32,
        ) -> (),
    ) {
        log_sum_exp_fwd::<N>(w, x)
    }
}
