fn tri(l: &[f32; 9], x: &[f32; 3]) -> f32 {
    let mut q = [0.0; 3];
    for i in 0..3 {
        for j in (i + 1)..3 {
            q[j] += l[i * 3 + j] * x[i];
        }
    }
    let mut s = 0.0;
    for i in 0..3 {
        s += q[i] * q[i];
    }
    s
}
/// The value of [`tri`] and its gradient with respect to `l`, `x`, generated at compile time by reverse-mode differentiation.
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
fn tri_grad(l: &[f32; 9], d_l: &mut [f32; 9], x: &[f32; 3], d_x: &mut [f32; 3]) -> f32 {
    let mut q: [f32; 3] = [0.0; 3];
    for i in 0..3 {
        for j in (i + 1)..3 {
            let t1: f32 = l[((i * 3) + j)];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            q[j] += t3;
        }
    }
    let mut s: f32 = 0.0;
    let mut g_q = ::backprop::__private::zero_like(&q);
    ::backprop::__private::in_memory(&mut g_q);
    let d_s_unit: f32 = 1.0;
    for i_2 in 0..3 {
        let t4: f32 = q[i_2];
        let t5: f32 = t4 * t4;
        s += t5;
        let g1: f32 = d_s_unit;
        let d_t4: f32 = ((2.0 * t4) * g1);
        g_q[i_2] += d_t4;
    }
    let t6: f32 = s;
    let value: f32 = t6;
    let mut d_q: [f32; 3] = ::backprop::__private::Zero::zero();
    let mut d_s: f32 = 0.0;
    d_s += 1.0;
    ::backprop::__private::add_scaled(&mut d_q, d_s, &g_q);
    for i in (0..3).rev() {
        let mut d_sum_even: f32 = 0.0;
        let mut d_sum_odd: f32 = 0.0;
        for j in ((i + 1)..3).rev() {
            let t1: f32 = l[((i * 3) + j)];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            let g1_2: f32 = d_q[j];
            let d_t2: f32 = (g1_2 * t1);
            {
                let part = d_t2;
                d_sum_even += if j % 2 == 0 { part } else { 0.0 };
                d_sum_odd += if j % 2 == 0 { 0.0 } else { part };
            }
            let d_t1: f32 = (g1_2 * t2);
            d_l[((i * 3) + j)] += d_t1;
        }
        d_x[i] += (d_sum_even + d_sum_odd);
    }
    value
}
/// The value of [`tri`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`tri_vjp`] calls both.
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
fn tri_fwd(
    l: &[f32; 9],
    x: &[f32; 3],
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[f32; 9],
        ::core::option::Option<&mut [f32; 9]>,
        &[f32; 3],
        ::core::option::Option<&mut [f32; 3]>,
        f32,
    ) -> (),
) {
    let mut q: [f32; 3] = [0.0; 3];
    for i in 0..3 {
        for j in (i + 1)..3 {
            let t1: f32 = l[((i * 3) + j)];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            q[j] += t3;
        }
    }
    let mut s: f32 = 0.0;
    let mut g_q = ::backprop::__private::zero_like(&q);
    ::backprop::__private::in_memory(&mut g_q);
    let d_s_unit: f32 = 1.0;
    for i_2 in 0..3 {
        let t4: f32 = q[i_2];
        let t5: f32 = t4 * t4;
        s += t5;
        let g1: f32 = d_s_unit;
        let d_t4: f32 = ((2.0 * t4) * g1);
        g_q[i_2] += d_t4;
    }
    let t6: f32 = s;
    let value: f32 = t6;
    (
        value,
        move |
            l: &[f32; 9],
            mut d_l: ::core::option::Option<&mut [f32; 9]>,
            x: &[f32; 3],
            mut d_x: ::core::option::Option<&mut [f32; 3]>,
            d_out: f32,
        | -> () {
            let mut d_q: [f32; 3] = ::backprop::__private::Zero::zero();
            let mut d_s: f32 = 0.0;
            d_s += d_out;
            ::backprop::__private::add_scaled(&mut d_q, d_s, &g_q);
            for i in (0..3).rev() {
                let mut d_sum_even: f32 = 0.0;
                let mut d_sum_odd: f32 = 0.0;
                for j in ((i + 1)..3).rev() {
                    let t1: f32 = l[((i * 3) + j)];
                    let t2: f32 = x[i];
                    let t3: f32 = t1 * t2;
                    let g1_2: f32 = d_q[j];
                    let d_t2: f32 = (g1_2 * t1);
                    {
                        let part = d_t2;
                        d_sum_even += if j % 2 == 0 { part } else { 0.0 };
                        d_sum_odd += if j % 2 == 0 { 0.0 } else { part };
                    }
                    let d_t1: f32 = (g1_2 * t2);
                    if let ::core::option::Option::Some(shadow) = d_l.as_deref_mut() {
                        shadow[((i * 3) + j)] += d_t1;
                    }
                }
                if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                    shadow[i] += (d_sum_even + d_sum_odd);
                }
            }
            ()
        },
    )
}
/// The value of [`tri`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn tri_vjp(
    l: &[f32; 9],
    d_l: &mut [f32; 9],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    d_out: f32,
) -> f32 {
    let (value, pullback) = tri_fwd(l, x);
    let () = pullback(
        l,
        ::core::option::Option::Some(d_l),
        x,
        ::core::option::Option::Some(d_x),
        d_out,
    );
    value
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct tri {}
#[allow(unused, clippy::all)]
impl tri {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        l: &[f32; 9],
        x: &[f32; 3],
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[f32; 9],
            ::core::option::Option<&mut [f32; 9]>,
            &[f32; 3],
            ::core::option::Option<&mut [f32; 3]>,
            f32,
        ) -> (),
    ) {
        tri_fwd(l, x)
    }
}
