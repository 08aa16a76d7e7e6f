fn loss(w: &[f32; 4], x: &[[f32; 4]; 3]) -> f32 {
    let mut s = 0.0;
    for p in 0..3 {
        let mut d = 0.0;
        for i in 0..4 {
            d += w[i] * x[p][i];
        }
        s += d.tanh();
    }
    let mut t = 0.0;
    for p in 0..3 {
        t += (w[p] * x[p][0]).sin();
    }
    s * t
}
/// The value of [`loss`] and its gradient with respect to `w`, `x`, generated at compile time by reverse-mode differentiation.
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
fn loss_grad(
    w: &[f32; 4],
    d_w: &mut [f32; 4],
    x: &[[f32; 4]; 3],
    d_x: &mut [[f32; 4]; 3],
) -> f32 {
    let mut stored_t5: [f32; 3] = [0.0f32; 3];
    let mut stored_t9: f32 = 0.0f32;
    let mut after_d: [f32; 3] = [0.0f32; 3];
    let mut s: f32 = 0.0;
    for p in 0..3 {
        let mut d: f32 = 0.0;
        for i in 0..4 {
            let t1: f32 = w[i];
            let t2: f32 = x[p][i];
            let t3: f32 = t1 * t2;
            d += t3;
        }
        after_d[p] = d;
        let t4: f32 = d;
        let t5: f32 = ::backprop::__private::math::tanh(t4);
        stored_t5[p] = t5;
        s += t5;
    }
    let mut t: f32 = 0.0;
    for p_2 in 0..3 {
        let t6: f32 = w[p_2];
        let t7: f32 = x[p_2][0];
        let t8: f32 = t6 * t7;
        let t9: f32 = ::backprop::__private::math::sin(t8);
        t += t9;
    }
    let t10: f32 = s;
    let t11: f32 = t;
    let t12: f32 = t10 * t11;
    let value: f32 = t12;
    let mut d_s: f32 = 0.0;
    let mut d_t: f32 = 0.0;
    d_t += t10;
    d_s += t11;
    for p_2 in (0..3).rev() {
        let t6: f32 = w[p_2];
        let t7: f32 = x[p_2][0];
        let t8: f32 = t6 * t7;
        let t9: f32 = ::backprop::__private::math::sin(t8);
        stored_t9 = t9;
        let g1: f32 = d_t;
        let d_t8: f32 = (::backprop::__private::math::cos(t8) * g1);
        let d_t7: f32 = (d_t8 * t6);
        d_x[p_2][0] += d_t7;
        let d_t6: f32 = (d_t8 * t7);
        d_w[p_2] += d_t6;
    }
    for p in (0..3).rev() {
        let mut d: f32 = 0.0;
        d = after_d[p];
        let t4: f32 = d;
        let t5: f32 = stored_t5[p];
        let mut d_d: f32 = 0.0;
        let g2: f32 = d_s;
        let d_t4: f32 = ((1.0 - (t5 * t5)) * g2);
        d_d += d_t4;
        for i in (0..4).rev() {
            let t1: f32 = w[i];
            let t2: f32 = x[p][i];
            let t3: f32 = t1 * t2;
            let g3: f32 = d_d;
            let d_t2: f32 = (g3 * t1);
            d_x[p][i] += d_t2;
            let d_t1: f32 = (g3 * t2);
            d_w[i] += d_t1;
        }
    }
    value
}
/// The value of [`loss`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`loss_vjp`] calls both.
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
fn loss_fwd(
    w: &[f32; 4],
    x: &[[f32; 4]; 3],
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[f32; 4],
        ::core::option::Option<&mut [f32; 4]>,
        &[[f32; 4]; 3],
        ::core::option::Option<&mut [[f32; 4]; 3]>,
        f32,
    ) -> (),
) {
    let mut stored_t5: [f32; 3] = [0.0f32; 3];
    let mut stored_t9: f32 = 0.0f32;
    let mut after_d: [f32; 3] = [0.0f32; 3];
    let mut s: f32 = 0.0;
    for p in 0..3 {
        let mut d: f32 = 0.0;
        for i in 0..4 {
            let t1: f32 = w[i];
            let t2: f32 = x[p][i];
            let t3: f32 = t1 * t2;
            d += t3;
        }
        after_d[p] = d;
        let t4: f32 = d;
        let t5: f32 = ::backprop::__private::math::tanh(t4);
        stored_t5[p] = t5;
        s += t5;
    }
    let mut t: f32 = 0.0;
    for p_2 in 0..3 {
        let t6: f32 = w[p_2];
        let t7: f32 = x[p_2][0];
        let t8: f32 = t6 * t7;
        let t9: f32 = ::backprop::__private::math::sin(t8);
        t += t9;
    }
    let t10: f32 = s;
    let t11: f32 = t;
    let t12: f32 = t10 * t11;
    let value: f32 = t12;
    (
        value,
        move |
            w: &[f32; 4],
            mut d_w: ::core::option::Option<&mut [f32; 4]>,
            x: &[[f32; 4]; 3],
            mut d_x: ::core::option::Option<&mut [[f32; 4]; 3]>,
            d_out: f32,
        | -> () {
            let mut d_s: f32 = 0.0;
            let mut d_t: f32 = 0.0;
            let d_t11: f32 = (d_out * t10);
            d_t += d_t11;
            let d_t10: f32 = (d_out * t11);
            d_s += d_t10;
            for p_2 in (0..3).rev() {
                let t6: f32 = w[p_2];
                let t7: f32 = x[p_2][0];
                let t8: f32 = t6 * t7;
                let t9: f32 = ::backprop::__private::math::sin(t8);
                stored_t9 = t9;
                let g1: f32 = d_t;
                let d_t8: f32 = (::backprop::__private::math::cos(t8) * g1);
                let d_t7: f32 = (d_t8 * t6);
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[p_2][0] += d_t7;
                }
                let d_t6: f32 = (d_t8 * t7);
                if let ::core::option::Option::Some(shadow) = d_w.as_deref_mut() {
                    shadow[p_2] += d_t6;
                }
            }
            for p in (0..3).rev() {
                let mut d: f32 = 0.0;
                d = after_d[p];
                let t4: f32 = d;
                let t5: f32 = stored_t5[p];
                let mut d_d: f32 = 0.0;
                let g2: f32 = d_s;
                let d_t4: f32 = ((1.0 - (t5 * t5)) * g2);
                d_d += d_t4;
                for i in (0..4).rev() {
                    let t1: f32 = w[i];
                    let t2: f32 = x[p][i];
                    let t3: f32 = t1 * t2;
                    let g3: f32 = d_d;
                    let d_t2: f32 = (g3 * t1);
                    if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                        shadow[p][i] += d_t2;
                    }
                    let d_t1: f32 = (g3 * t2);
                    if let ::core::option::Option::Some(shadow) = d_w.as_deref_mut() {
                        shadow[i] += d_t1;
                    }
                }
            }
            ()
        },
    )
}
/// The value of [`loss`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn loss_vjp(
    w: &[f32; 4],
    d_w: &mut [f32; 4],
    x: &[[f32; 4]; 3],
    d_x: &mut [[f32; 4]; 3],
    d_out: f32,
) -> f32 {
    let (value, pullback) = loss_fwd(w, x);
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
struct loss {}
#[allow(unused, clippy::all)]
impl loss {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        w: &[f32; 4],
        x: &[[f32; 4]; 3],
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[f32; 4],
            ::core::option::Option<&mut [f32; 4]>,
            &[[f32; 4]; 3],
            ::core::option::Option<&mut [[f32; 4]; 3]>,
            f32,
        ) -> (),
    ) {
        loss_fwd(w, x)
    }
}
