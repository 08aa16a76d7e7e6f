fn model(w: &[[f32; 3]; 2], x: &[f32; 3], k: f32) -> f32 {
    let h = layer(w, x);
    square(h[0] * k) + square(h[1]) + dot3(x, x) * square(k)
}
/// The value of [`model`] and its gradient with respect to `w`, `x`, `k`, generated at compile time by reverse-mode differentiation.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// ∂model/∂k = g1_0 + g4_0 * h[0]
/// ```
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
fn model_grad(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    k: f32,
) -> (f32, f32) {
    let (mut h, pullback_h): (_, _) = layer::fwd(w, x);
    let t1: f32 = h[0];
    let t2: f32 = t1 * k;
    let t3: f32 = h[1];
    let (t4, pullback_t4): (f32, _) = square::fwd(t2);
    let (t5, pullback_t5): (f32, _) = square::fwd(t3);
    let t6: f32 = t4 + t5;
    let (t7, pullback_t7): (f32, _) = dot3::fwd(x, x);
    let (t8, pullback_t8): (f32, _) = square::fwd(k);
    let t9: f32 = t7 * t8;
    let t10: f32 = t6 + t9;
    let value: f32 = t10;
    let mut d_h = ::backprop::__private::zero_like(&h);
    let g1_0 = (pullback_t8)(k, t7);
    let mut scratch2 = ::backprop::__private::zero_like(x);
    {
        let result = (pullback_t7)(
            x,
            ::core::option::Option::Some(&mut *d_x),
            x,
            ::core::option::Option::Some(&mut scratch2),
            t8,
        );
        ::backprop::__private::add_assign(&mut *d_x, &scratch2);
        result
    };
    let g3_0 = (pullback_t5)(t3, 1.0);
    let g4_0 = (pullback_t4)(t2, 1.0);
    d_h[1] += g3_0;
    let d_t1: f32 = (g4_0 * k);
    d_h[0] += d_t1;
    (pullback_h)(
        w,
        ::core::option::Option::Some(&mut *d_w),
        x,
        ::core::option::Option::Some(&mut *d_x),
        &d_h,
    );
    let d_k: f32 = (g1_0 + (g4_0 * t1));
    (value, d_k)
}
/// The value of [`model`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`model_vjp`] calls both.
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
fn model_fwd(
    w: &[[f32; 3]; 2],
    x: &[f32; 3],
    k: f32,
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[[f32; 3]; 2],
        ::core::option::Option<&mut [[f32; 3]; 2]>,
        &[f32; 3],
        ::core::option::Option<&mut [f32; 3]>,
        f32,
        f32,
    ) -> f32,
) {
    let (mut h, pullback_h): (_, _) = layer::fwd(w, x);
    let t1: f32 = h[0];
    let t2: f32 = t1 * k;
    let t3: f32 = h[1];
    let (t4, pullback_t4): (f32, _) = square::fwd(t2);
    let (t5, pullback_t5): (f32, _) = square::fwd(t3);
    let t6: f32 = t4 + t5;
    let (t7, pullback_t7): (f32, _) = dot3::fwd(x, x);
    let (t8, pullback_t8): (f32, _) = square::fwd(k);
    let t9: f32 = t7 * t8;
    let t10: f32 = t6 + t9;
    let value: f32 = t10;
    (
        value,
        move |
            w: &[[f32; 3]; 2],
            mut d_w: ::core::option::Option<&mut [[f32; 3]; 2]>,
            x: &[f32; 3],
            mut d_x: ::core::option::Option<&mut [f32; 3]>,
            k: f32,
            d_out: f32,
        | -> f32 {
            let mut d_h = ::backprop::__private::zero_like(&h);
            let d_t8: f32 = (d_out * t7);
            let g1_0 = (pullback_t8)(k, d_t8);
            let d_t7: f32 = (d_out * t8);
            let mut scratch2 = ::backprop::__private::zero_like(x);
            {
                let result = (pullback_t7)(
                    x,
                    d_x.as_deref_mut(),
                    x,
                    ::core::option::Option::Some(&mut scratch2),
                    d_t7,
                );
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    ::backprop::__private::add_assign(shadow, &scratch2);
                }
                result
            };
            let g3_0 = (pullback_t5)(t3, d_out);
            let g4_0 = (pullback_t4)(t2, d_out);
            d_h[1] += g3_0;
            let d_t1: f32 = (g4_0 * k);
            d_h[0] += d_t1;
            (pullback_h)(w, d_w.as_deref_mut(), x, d_x.as_deref_mut(), &d_h);
            let d_k: f32 = (g1_0 + (g4_0 * t1));
            d_k
        },
    )
}
/// The value of [`model`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
///
/// Gradients of by-value parameters are returned after the value; gradients of `&` parameters are added into their `d_` shadows.
///
/// ```text
/// d_k = g1_0 + g4_0 * h[0]
/// ```
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
fn model_vjp(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    k: f32,
    d_out: f32,
) -> (f32, f32) {
    let (value, pullback) = model_fwd(w, x, k);
    let grad_2 = pullback(
        w,
        ::core::option::Option::Some(d_w),
        x,
        ::core::option::Option::Some(d_x),
        k,
        d_out,
    );
    (value, grad_2)
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct model {}
#[allow(unused, clippy::all)]
impl model {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        w: &[[f32; 3]; 2],
        x: &[f32; 3],
        k: f32,
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[[f32; 3]; 2],
            ::core::option::Option<&mut [[f32; 3]; 2]>,
            &[f32; 3],
            ::core::option::Option<&mut [f32; 3]>,
            f32,
            f32,
        ) -> f32,
    ) {
        model_fwd(w, x, k)
    }
}
