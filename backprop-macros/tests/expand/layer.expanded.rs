fn layer(w: &[[f32; 3]; 2], x: &[f32; 3]) -> [f32; 2] {
    let mut out = [0.0; 2];
    for j in 0..2 {
        out[j] = dot3(&w[j], x).tanh();
    }
    out
}
/// The value of [`layer`] and its pullback, for split-mode calls from differentiable code: the pullback takes the arguments again with a shadow (`Option<&mut _>`, `None` for no gradient) after each `&` one, then `d_out`, and returns the gradients of the by-value float arguments. [`layer_vjp`] calls both.
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
fn layer_fwd(
    w: &[[f32; 3]; 2],
    x: &[f32; 3],
) -> (
    [f32; 2],
    impl ::core::ops::FnOnce(
        &[[f32; 3]; 2],
        ::core::option::Option<&mut [[f32; 3]; 2]>,
        &[f32; 3],
        ::core::option::Option<&mut [f32; 3]>,
        &[f32; 2],
    ) -> (),
) {
    let mut tape_t1 = [const { ::core::option::Option::None }; 2];
    let mut stored_t2: [f32; 2] = [0.0f32; 2];
    let mut out: [f32; 2] = [0.0; 2];
    for j in 0..2 {
        tape_t1[j] = ::core::option::Option::Some(dot3::fwd(&w[j], x));
        let t1: f32 = ::backprop::__private::tape_value(&tape_t1[j]);
        let t2: f32 = ::backprop::__private::math::tanh(t1);
        stored_t2[j] = t2;
        out[j] = t2;
    }
    let value: [f32; 2] = out;
    (
        value,
        move |
            w: &[[f32; 3]; 2],
            mut d_w: ::core::option::Option<&mut [[f32; 3]; 2]>,
            x: &[f32; 3],
            mut d_x: ::core::option::Option<&mut [f32; 3]>,
            d_out: &[f32; 2],
        | -> () {
            let mut d_out_2: [f32; 2] = ::backprop::__private::Zero::zero();
            ::backprop::__private::add_assign(&mut d_out_2, d_out);
            for j in (0..2).rev() {
                let t1: f32 = ::backprop::__private::tape_value(&tape_t1[j]);
                let t2: f32 = stored_t2[j];
                out[j] = t2;
                let g1: f32 = d_out_2[j];
                d_out_2[j] = 0.0;
                let d_t1: f32 = ((1.0 - (t2 * t2)) * g1);
                (::backprop::__private::take_pullback(
                    &mut tape_t1[j],
                ))(
                    &w[j],
                    d_w.as_deref_mut().map(|shadow| &mut shadow[j]),
                    x,
                    d_x.as_deref_mut(),
                    d_t1,
                );
            }
            ()
        },
    )
}
/// The value of [`layer`] and its vector-Jacobian product with the cotangent `d_out` (every float parameter active), by its split-mode `_fwd` and the pullback.
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
fn layer_vjp(
    w: &[[f32; 3]; 2],
    d_w: &mut [[f32; 3]; 2],
    x: &[f32; 3],
    d_x: &mut [f32; 3],
    d_out: &[f32; 2],
) -> [f32; 2] {
    let (value, pullback) = layer_fwd(w, x);
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
struct layer {}
#[allow(unused, clippy::all)]
impl layer {
    #[doc(hidden)]
    #[inline]
    fn fwd(
        w: &[[f32; 3]; 2],
        x: &[f32; 3],
    ) -> (
        [f32; 2],
        impl ::core::ops::FnOnce(
            &[[f32; 3]; 2],
            ::core::option::Option<&mut [[f32; 3]; 2]>,
            &[f32; 3],
            ::core::option::Option<&mut [f32; 3]>,
            &[f32; 2],
        ) -> (),
    ) {
        layer_fwd(w, x)
    }
}
