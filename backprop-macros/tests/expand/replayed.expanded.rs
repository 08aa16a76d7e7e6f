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
    loss
}
/// The value of [`pointwise`] and its gradient with respect to `w`, `x`, generated at compile time by reverse-mode differentiation.
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
    d_x: &mut [[f32; 3]; N],
    n: usize,
) -> f32 {
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
    let t8: f32 = loss;
    let value: f32 = t8;
    let mut d_loss: f32 = 0.0;
    d_loss += 1.0;
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
            d_x[p][i] += d_t2;
            let d_t1: f32 = (d_t3 * t2);
            d_w[i] += d_t1;
        }
    }
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
    let t8: f32 = loss;
    let value: f32 = t8;
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
            d_loss += d_out;
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
