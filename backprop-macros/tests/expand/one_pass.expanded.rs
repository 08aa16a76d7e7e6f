fn pointwise<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N], n: usize) -> f32 {
    let mut loss = 0.0;
    for p in 0..n {
        let mut h = [0.0; 3];
        for i in 0..3 {
            h[i] = (w[i] * x[p][i]).tanh();
        }
        let mut s = 0.0;
        for i in 0..3 {
            s += h[i] * h[i];
        }
        loss += s;
    }
    loss / n as f32
}
/// The value of [`pointwise`] and its gradient with respect to `w`, generated at compile time by reverse-mode differentiation.
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
fn pointwise_grad<const N: usize>(
    w: &[f32; 3],
    d_w: &mut [f32; 3],
    x: &[[f32; 3]; N],
    n: usize,
) -> f32 {
    let mut stored_t4: [f32; 3] = [0.0f32; 3];
    let mut loss: f32 = 0.0;
    let mut g_w = ::backprop::__private::zero_like(w);
    ::backprop::__private::in_memory(&mut g_w);
    let d_loss_unit: f32 = 1.0;
    let start = 0;
    let stop = n;
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
        let mut stored_t4_lanes: [::backprop::__private::lanes::Lanes; 3] = [::backprop::__private::lanes::Lanes::ZERO; 3];
        for p in (start..blocks_end).step_by(::backprop::__private::lanes::WIDTH) {
            let g_w_lanes_mut = &mut g_w_lanes;
            let mut term: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                -0.0,
            );
            let mut h: [::backprop::__private::lanes::Lanes; 3] = [::backprop::__private::lanes::Lanes::from(
                0.0,
            ); 3];
            for i in 0..3 {
                let t1: f32 = w[i];
                let t2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::gather(|
                    lane|
                {
                    let p = p + lane;
                    x[p][i]
                });
                let t3: ::backprop::__private::lanes::Lanes = t1 * t2;
                let t4: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::tanh(
                    t3,
                );
                stored_t4_lanes[i] = t4;
                h[i] = ::backprop::__private::lanes::Lanes::from(t4);
            }
            let mut s: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                0.0,
            );
            for i_2 in 0..3 {
                let t5: ::backprop::__private::lanes::Lanes = h[i_2];
                let t6: ::backprop::__private::lanes::Lanes = t5 * t5;
                s += t6;
            }
            let t7: ::backprop::__private::lanes::Lanes = s;
            term = ::backprop::__private::lanes::Lanes::from(t7);
            for lane in 0..::backprop::__private::lanes::WIDTH {
                loss += term.0[lane];
            }
            let mut d_h = ::backprop::__private::lanes::zero_lanes_like(&h);
            let mut d_s: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::ZERO;
            let g1_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                d_loss_unit,
            );
            d_s += g1_2;
            for i_2 in (0..3).rev() {
                let t5: ::backprop::__private::lanes::Lanes = h[i_2];
                let t6: ::backprop::__private::lanes::Lanes = t5 * t5;
                let g2_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                    d_s,
                );
                let d_t5_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                    ((2.0 * t5) * g2_2),
                );
                d_h[i_2] += d_t5_2;
            }
            for i in (0..3).rev() {
                let t1: f32 = w[i];
                let t2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::gather(|
                    lane|
                {
                    let p = p + lane;
                    x[p][i]
                });
                let t3: ::backprop::__private::lanes::Lanes = t1 * t2;
                let t4: ::backprop::__private::lanes::Lanes = stored_t4_lanes[i];
                h[i] = ::backprop::__private::lanes::Lanes::from(t4);
                let g3_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                    d_h[i],
                );
                d_h[i] = ::backprop::__private::lanes::Lanes::from(0.0);
                let d_t3_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                    ((1.0 - (t4 * t4)) * g3_2),
                );
                let d_t1_2: ::backprop::__private::lanes::Lanes = ::backprop::__private::lanes::Lanes::from(
                    (d_t3_2 * t2),
                );
                g_w_lanes_mut[i] += d_t1_2;
            }
        }
        ::backprop::__private::lanes::HasLanes::add_lane_sums(&mut g_w, &g_w_lanes);
    }
    for p in blocks_end..stop {
        let g_w_mut = &mut g_w;
        let mut h: [f32; 3] = [0.0; 3];
        for i in 0..3 {
            let t1: f32 = w[i];
            let t2: f32 = x[p][i];
            let t3: f32 = t1 * t2;
            let t4: f32 = ::backprop::__private::math::tanh(t3);
            stored_t4[i] = t4;
            h[i] = t4;
        }
        let mut s: f32 = 0.0;
        for i_2 in 0..3 {
            let t5: f32 = h[i_2];
            let t6: f32 = t5 * t5;
            s += t6;
        }
        let t7: f32 = s;
        loss += t7;
        let mut d_h: [f32; 3] = ::backprop::__private::Zero::zero();
        let mut d_s: f32 = 0.0;
        let g1: f32 = d_loss_unit;
        d_s += g1;
        for i_2 in (0..3).rev() {
            let t5: f32 = h[i_2];
            let t6: f32 = t5 * t5;
            let g2: f32 = d_s;
            let d_t5: f32 = ((2.0 * t5) * g2);
            d_h[i_2] += d_t5;
        }
        for i in (0..3).rev() {
            let t1: f32 = w[i];
            let t2: f32 = x[p][i];
            let t3: f32 = t1 * t2;
            let t4: f32 = stored_t4[i];
            h[i] = t4;
            let g3: f32 = d_h[i];
            d_h[i] = 0.0;
            let d_t3: f32 = ((1.0 - (t4 * t4)) * g3);
            let d_t1: f32 = (d_t3 * t2);
            g_w_mut[i] += d_t1;
        }
    }
    let t8: f32 = (n) as f32;
    let t9: f32 = loss;
    let t10: f32 = t9 / t8;
    let value: f32 = t10;
    let mut d_loss: f32 = 0.0;
    let d_t9: f32 = (1.0 / t8);
    d_loss += d_t9;
    ::backprop::__private::add_scaled(&mut *d_w, d_loss, &g_w);
    value
}
/// The value of [`pointwise`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`pointwise_vjp`] calls both.
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
fn pointwise_fwd<const N: usize>(
    w: &[f32; 3],
    x: &[[f32; 3]; N],
    n: usize,
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[f32; 3],
        ::core::option::Option<&mut [f32; 3]>,
        &[[f32; 3]; N],
        ::core::option::Option<&mut [[f32; 3]; N]>,
        usize,
        f32,
    ) -> (),
) {
    let mut stored_t4: [f32; 3] = [0.0f32; 3];
    let mut loss: f32 = 0.0;
    for p in 0..n {
        let mut h: [f32; 3] = [0.0; 3];
        for i in 0..3 {
            let t1: f32 = w[i];
            let t2: f32 = x[p][i];
            let t3: f32 = t1 * t2;
            let t4: f32 = ::backprop::__private::math::tanh(t3);
            h[i] = t4;
        }
        let mut s: f32 = 0.0;
        for i_2 in 0..3 {
            let t5: f32 = h[i_2];
            let t6: f32 = t5 * t5;
            s += t6;
        }
        let t7: f32 = s;
        loss += t7;
    }
    let t8: f32 = (n) as f32;
    let t9: f32 = loss;
    let t10: f32 = t9 / t8;
    let value: f32 = t10;
    (
        value,
        move |
            w: &[f32; 3],
            mut d_w: ::core::option::Option<&mut [f32; 3]>,
            x: &[[f32; 3]; N],
            mut d_x: ::core::option::Option<&mut [[f32; 3]; N]>,
            n: usize,
            d_out: f32,
        | -> () {
            let mut d_loss: f32 = 0.0;
            let d_t9: f32 = (d_out / t8);
            d_loss += d_t9;
            for p in (0..n).rev() {
                let mut h: [f32; 3] = [0.0; 3];
                for i in 0..3 {
                    let t1: f32 = w[i];
                    let t2: f32 = x[p][i];
                    let t3: f32 = t1 * t2;
                    let t4: f32 = ::backprop::__private::math::tanh(t3);
                    stored_t4[i] = t4;
                    h[i] = t4;
                }
                let mut s: f32 = 0.0;
                for i_2 in 0..3 {
                    let t5: f32 = h[i_2];
                    let t6: f32 = t5 * t5;
                    s += t6;
                }
                let t7: f32 = s;
                let mut d_h: [f32; 3] = ::backprop::__private::Zero::zero();
                let mut d_s: f32 = 0.0;
                let g1: f32 = d_loss;
                d_s += g1;
                for i_2 in (0..3).rev() {
                    let t5: f32 = h[i_2];
                    let t6: f32 = t5 * t5;
                    let g2: f32 = d_s;
                    let d_t5: f32 = ((2.0 * t5) * g2);
                    d_h[i_2] += d_t5;
                }
                for i in (0..3).rev() {
                    let t1: f32 = w[i];
                    let t2: f32 = x[p][i];
                    let t3: f32 = t1 * t2;
                    let t4: f32 = stored_t4[i];
                    h[i] = t4;
                    let g3: f32 = d_h[i];
                    d_h[i] = 0.0;
                    let d_t3: f32 = ((1.0 - (t4 * t4)) * g3);
                    let d_t2: f32 = (d_t3 * t1);
                    if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                        shadow[p][i] += d_t2;
                    }
                    let d_t1: f32 = (d_t3 * t2);
                    if let ::core::option::Option::Some(shadow) = d_w.as_deref_mut() {
                        shadow[i] += d_t1;
                    }
                }
            }
            ()
        },
    )
}
/// The value of [`pointwise`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn pointwise_vjp<const N: usize>(
    w: &[f32; 3],
    d_w: &mut [f32; 3],
    x: &[[f32; 3]; N],
    d_x: &mut [[f32; 3]; N],
    n: usize,
    d_out: f32,
) -> f32 {
    let (value, pullback) = pointwise_fwd::<N>(w, x, n);
    let () = pullback(
        w,
        ::core::option::Option::Some(d_w),
        x,
        ::core::option::Option::Some(d_x),
        n,
        d_out,
    );
    value
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct pointwise {}
#[allow(unused, clippy::all)]
impl pointwise {
    #[doc(hidden)]
    #[inline]
    fn fwd<const N: usize>(
        w: &[f32; 3],
        x: &[[f32; 3]; N],
        n: usize,
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[f32; 3],
            ::core::option::Option<&mut [f32; 3]>,
            &[[f32; 3]; N],
            ::core::option::Option<&mut [[f32; 3]; N]>,
            usize,
            f32,
        ) -> (),
    ) {
        pointwise_fwd::<N>(w, x, n)
    }
}
