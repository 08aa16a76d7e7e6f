fn dense(w: &[[f32; 3]; 2], x: &[f32; 3], y: &[f32; 2]) -> f32 {
    let mut loss = 0.0;
    for o in 0..2 {
        let mut z = 0.0;
        for i in 0..3 {
            z += w[o][i] * x[i];
        }
        let r = z.tanh() - y[o];
        loss += r * r;
    }
    loss
}
/// The value of [`dense`] and its gradient with respect to `w`, `x`, `y`, generated at compile time by reverse-mode differentiation.
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
fn dense_grad(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    y: &[f32; 2],
    d_y: &mut [f32; 2],
) -> f32 {
    let mut stored_t5: f32 = 0.0f32;
    let mut loss: f32 = 0.0;
    let mut g_w = ::backprop::__private::zero_like(w);
    ::backprop::__private::in_memory(&mut g_w);
    let mut g_x = ::backprop::__private::zero_like(x);
    ::backprop::__private::in_memory(&mut g_x);
    let mut g_y = ::backprop::__private::zero_like(y);
    ::backprop::__private::in_memory(&mut g_y);
    let d_loss_unit: f32 = 1.0;
    for o in 0..2 {
        let g_w_mut = &mut g_w;
        let g_x_mut = &mut g_x;
        let g_y_mut = &mut g_y;
        let mut z: f32 = 0.0;
        for i in 0..3 {
            let t1: f32 = w[o][i];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            z += t3;
        }
        let t4: f32 = z;
        let t5: f32 = ::backprop::__private::math::tanh(t4);
        stored_t5 = t5;
        let t6: f32 = y[o];
        let r: f32 = t5 - t6;
        let t8: f32 = r * r;
        loss += t8;
        let mut d_z: f32 = 0.0;
        let g1: f32 = d_loss_unit;
        let d_r: f32 = ((2.0 * r) * g1);
        let d_t6: f32 = (-d_r);
        g_y_mut[o] += d_t6;
        let d_t4: f32 = ((1.0 - (t5 * t5)) * d_r);
        d_z += d_t4;
        for i in (0..3).rev() {
            let t1: f32 = w[o][i];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            let g2: f32 = d_z;
            let d_t2: f32 = (g2 * t1);
            g_x_mut[i] += d_t2;
            let d_t1: f32 = (g2 * t2);
            g_w_mut[o][i] += d_t1;
        }
    }
    let t9: f32 = loss;
    let value: f32 = t9;
    let mut d_loss: f32 = 0.0;
    d_loss += 1.0;
    ::backprop::__private::add_scaled(&mut *d_w, d_loss, &g_w);
    ::backprop::__private::add_scaled(&mut *d_x, d_loss, &g_x);
    ::backprop::__private::add_scaled(&mut *d_y, d_loss, &g_y);
    value
}
/// The value of [`dense`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`dense_vjp`] calls both.
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
fn dense_fwd(
    w: &[[f32; 3]; 2],
    x: &[f32; 3],
    y: &[f32; 2],
) -> (
    f32,
    impl ::core::ops::FnOnce(
        &[[f32; 3]; 2],
        ::core::option::Option<&mut [[f32; 3]; 2]>,
        &[f32; 3],
        ::core::option::Option<&mut [f32; 3]>,
        &[f32; 2],
        ::core::option::Option<&mut [f32; 2]>,
        f32,
    ) -> (),
) {
    let mut stored_t5: f32 = 0.0f32;
    let mut loss: f32 = 0.0;
    let mut g_w = ::backprop::__private::zero_like(w);
    ::backprop::__private::in_memory(&mut g_w);
    let mut g_x = ::backprop::__private::zero_like(x);
    ::backprop::__private::in_memory(&mut g_x);
    let mut g_y = ::backprop::__private::zero_like(y);
    ::backprop::__private::in_memory(&mut g_y);
    let d_loss_unit: f32 = 1.0;
    for o in 0..2 {
        let g_w_mut = &mut g_w;
        let g_x_mut = &mut g_x;
        let g_y_mut = &mut g_y;
        let mut z: f32 = 0.0;
        for i in 0..3 {
            let t1: f32 = w[o][i];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            z += t3;
        }
        let t4: f32 = z;
        let t5: f32 = ::backprop::__private::math::tanh(t4);
        stored_t5 = t5;
        let t6: f32 = y[o];
        let r: f32 = t5 - t6;
        let t8: f32 = r * r;
        loss += t8;
        let mut d_z: f32 = 0.0;
        let g1: f32 = d_loss_unit;
        let d_r: f32 = ((2.0 * r) * g1);
        let d_t6: f32 = (-d_r);
        g_y_mut[o] += d_t6;
        let d_t4: f32 = ((1.0 - (t5 * t5)) * d_r);
        d_z += d_t4;
        for i in (0..3).rev() {
            let t1: f32 = w[o][i];
            let t2: f32 = x[i];
            let t3: f32 = t1 * t2;
            let g2: f32 = d_z;
            let d_t2: f32 = (g2 * t1);
            g_x_mut[i] += d_t2;
            let d_t1: f32 = (g2 * t2);
            g_w_mut[o][i] += d_t1;
        }
    }
    let t9: f32 = loss;
    let value: f32 = t9;
    (
        value,
        move |
            w: &[[f32; 3]; 2],
            mut d_w: ::core::option::Option<&mut [[f32; 3]; 2]>,
            x: &[f32; 3],
            mut d_x: ::core::option::Option<&mut [f32; 3]>,
            y: &[f32; 2],
            mut d_y: ::core::option::Option<&mut [f32; 2]>,
            d_out: f32,
        | -> () {
            let mut d_loss: f32 = 0.0;
            d_loss += d_out;
            if let ::core::option::Option::Some(shadow) = d_w.as_deref_mut() {
                ::backprop::__private::add_scaled(shadow, d_loss, &g_w);
            }
            if let ::core::option::Option::Some(shadow) = d_x.as_deref_mut() {
                ::backprop::__private::add_scaled(shadow, d_loss, &g_x);
            }
            if let ::core::option::Option::Some(shadow) = d_y.as_deref_mut() {
                ::backprop::__private::add_scaled(shadow, d_loss, &g_y);
            }
            ()
        },
    )
}
/// The value of [`dense`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn dense_vjp(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    y: &[f32; 2],
    d_y: &mut [f32; 2],
    d_out: f32,
) -> f32 {
    let (value, pullback) = dense_fwd(w, x, y);
    let () = pullback(
        w,
        ::core::option::Option::Some(d_w),
        x,
        ::core::option::Option::Some(d_x),
        y,
        ::core::option::Option::Some(d_y),
        d_out,
    );
    value
}
#[doc(hidden)]
#[allow(non_camel_case_types, dead_code)]
struct dense {}
#[allow(unused, clippy::all)]
impl dense {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        w: &[[f32; 3]; 2],
        x: &[f32; 3],
        y: &[f32; 2],
    ) -> (
        f32,
        impl ::core::ops::FnOnce(
            &[[f32; 3]; 2],
            ::core::option::Option<&mut [[f32; 3]; 2]>,
            &[f32; 3],
            ::core::option::Option<&mut [f32; 3]>,
            &[f32; 2],
            ::core::option::Option<&mut [f32; 2]>,
            f32,
        ) -> (),
    ) {
        dense_fwd(w, x, y)
    }
}
