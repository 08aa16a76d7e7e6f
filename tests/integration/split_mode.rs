//! Split mode: calls through `_fwd` and its pullback, activity at call sites, hand-written
//! derivatives both ways, and the one import a caller needs.
// Some functions here are only called through their generated derivatives.
#![allow(dead_code)]
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use std::cell::RefCell;

use backprop::differentiable;
use backprop::gradcheck::{check_gradient, Tolerance};

thread_local! {
    /// For each call of `probe`'s pullback: whether the caller passed a shadow for `x`.
    static SHADOWS_GIVEN: RefCell<Vec<bool>> = const { RefCell::new(Vec::new()) };
}

/// `w * x` element-wise, whose pullback records whether `x`'s shadow was given.
#[differentiable(custom_fwd)]
fn probe(x: &[f32; 2], w: &[f32; 2]) -> [f32; 2] {
    [w[0] * x[0], w[1] * x[1]]
}

#[allow(clippy::type_complexity)]
fn probe_fwd(
    x: &[f32; 2],
    w: &[f32; 2],
) -> (
    [f32; 2],
    impl FnOnce(&[f32; 2], Option<&mut [f32; 2]>, &[f32; 2], Option<&mut [f32; 2]>, &[f32; 2]),
) {
    (
        probe(x, w),
        |x: &[f32; 2],
         d_x: Option<&mut [f32; 2]>,
         w: &[f32; 2],
         d_w: Option<&mut [f32; 2]>,
         d_out: &[f32; 2]| {
            SHADOWS_GIVEN.with(|s| s.borrow_mut().push(d_x.is_some()));
            if let Some(d_x) = d_x {
                for i in 0..2 {
                    d_x[i] += w[i] * d_out[i];
                }
            }
            if let Some(d_w) = d_w {
                for i in 0..2 {
                    d_w[i] += x[i] * d_out[i];
                }
            }
        },
    )
}

#[differentiable(wrt(w))]
fn fit(x: &[f32; 2], w: &[f32; 2]) -> f32 {
    let y = probe(x, w);
    y[0] * y[0] + y[1]
}

#[differentiable]
fn fit_both(x: &[f32; 2], w: &[f32; 2]) -> f32 {
    let y = probe(x, w);
    y[0] * y[0] + y[1]
}

fn shadows_given() -> Vec<bool> {
    SHADOWS_GIVEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

#[test]
fn an_inactive_argument_gets_no_shadow() {
    let (x, w) = ([3.0, -1.0], [0.5, 2.0]);
    shadows_given();
    let mut d_w = [0.0; 2];
    let value = fit_grad(&x, &w, &mut d_w);
    assert_eq!(value, 1.5 * 1.5 - 2.0);
    // d/dw0 (w0 x0)^2 = 2 w0 x0^2, d/dw1 (w1 x1) = x1.
    assert_eq!(d_w, [2.0 * 0.5 * 9.0, -1.0]);
    assert_eq!(
        shadows_given(),
        [false],
        "wrt(w) leaves `x` without a gradient"
    );

    let (mut d_x, mut d_w) = ([0.0; 2], [0.0; 2]);
    fit_both_grad(&x, &mut d_x, &w, &mut d_w);
    assert_eq!(d_x, [2.0 * 0.25 * 3.0, 2.0]);
    assert_eq!(shadows_given(), [true]);
}

#[test]
fn a_pullback_borrows_nothing_of_its_caller() {
    let mut x = [1.0f32, 2.0];
    let w = [3.0f32, 4.0];
    let (y, pullback) = fit_both_fwd(&x, &w);
    let original = x;
    x[0] = 100.0; // the caller may change what it passed while it holds the pullback
    let mut d_w = [0.0; 2];
    pullback(&original, None, &w, Some(&mut d_w), 1.0);
    assert_eq!(y, 9.0 + 8.0);
    assert_eq!(d_w, [2.0 * 3.0 * 1.0, 2.0]);
    assert_eq!(x[0], 100.0);
}

/// Straight-through rounding: the hand-written `_vjp`, adapted to split mode.
#[differentiable(custom_vjp)]
fn round_ste(x: f32) -> f32 {
    x.round()
}

fn round_ste_vjp(x: f32, d_out: f32) -> (f32, f32) {
    (x.round(), d_out)
}

/// `x * s` with its gradients by hand, `s` by value.
#[differentiable(custom_vjp)]
fn scaled(x: &[f32; 2], s: f32) -> [f32; 2] {
    [x[0] * s, x[1] * s]
}

fn scaled_vjp(x: &[f32; 2], d_x: &mut [f32; 2], s: f32, d_out: &[f32; 2]) -> ([f32; 2], f32) {
    for i in 0..2 {
        d_x[i] += s * d_out[i];
    }
    (scaled(x, s), x[0] * d_out[0] + x[1] * d_out[1])
}

#[differentiable(wrt(s))]
fn through_vjps(x: &[f32; 2], s: f32) -> f32 {
    let y = scaled(x, round_ste(s));
    y[0] + y[1] * y[1]
}

#[test]
fn hand_written_vjps_work_in_split_mode() {
    let (x, s) = ([2.0, -1.0], 1.4);
    // q = round(1.4) = 1; f = x0 q + (x1 q)^2; df/dq = x0 + 2 x1^2 q, straight through.
    let (value, d_s) = through_vjps_grad(&x, s);
    assert_eq!(value, 2.0 + 1.0);
    assert_eq!(d_s, 2.0 + 2.0);
    // With `x` inactive, the adapter gives `scaled_vjp` a scratch shadow and drops it.
    let (value, pullback) = scaled_fwd(&x, 3.0);
    assert_eq!(value, [6.0, -3.0]);
    let d_s = pullback(&x, None, 3.0, &[1.0, 1.0]);
    assert_eq!(d_s, 1.0);
}

/// A layer called in loops: with a static bound (pullbacks in stack slots), with a run-time
/// bound (the forward pass again in the reverse sweep), and in a branch.
#[differentiable]
fn layer(w: &[f32; 2], x: f32) -> f32 {
    (w[0] * x + w[1]).tanh()
}

#[differentiable]
fn static_loop(w: &[f32; 2], x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        let h = layer(w, x[i]);
        if h > 0.0 {
            s += h * h;
        } else {
            s += layer(w, h);
        }
    }
    s
}

#[differentiable]
fn runtime_loop(w: &[f32; 2], x: &[f32; 4], n: usize) -> f32 {
    let mut s = 0.0;
    for i in 0..n {
        let h = layer(w, x[i]);
        s += h * h;
    }
    s
}

#[differentiable]
fn recurrence(w: &[f32; 2], x: &[f32; 4]) -> f32 {
    let mut h = 0.0;
    for i in 0..4 {
        h = layer(w, h + x[i]);
    }
    h
}

#[test]
fn calls_in_loops_and_branches_match_finite_differences() {
    let x = [0.3f32, -0.7, 1.1, -0.2];
    let w = [0.8f32, -0.1];
    let tolerance = Tolerance::default();
    let report = check_gradient(
        |w: &[f32; 2]| static_loop(w, &x),
        |w: &[f32; 2], d: &mut [f32; 2]| static_loop_grad(w, d, &x, &mut [0.0; 4]),
        &w,
        tolerance,
    )
    .expect("a valid tolerance");
    assert_eq!(report.failures, 0, "{report}");
    let report = check_gradient(
        |w: &[f32; 2]| runtime_loop(w, &x, 3),
        |w: &[f32; 2], d: &mut [f32; 2]| runtime_loop_grad(w, d, &x, &mut [0.0; 4], 3),
        &w,
        tolerance,
    )
    .expect("a valid tolerance");
    assert_eq!(report.failures, 0, "{report}");
    let report = check_gradient(
        |w: &[f32; 2]| recurrence(w, &x),
        |w: &[f32; 2], d: &mut [f32; 2]| recurrence_grad(w, d, &x, &mut [0.0; 4]),
        &w,
        tolerance,
    )
    .expect("a valid tolerance");
    assert_eq!(report.failures, 0, "{report}");
}

mod model {
    use backprop::differentiable;
    use backprop::loss::cross_entropy_batch;
    use backprop::ops::{linear_batch, relu};

    /// A batched two-layer network and its loss, with only the functions it calls imported.
    #[differentiable(wrt(w1, b1, w2, b2))]
    #[allow(clippy::too_many_arguments)]
    pub fn loss(
        x: &[[f32; 3]; 4],
        targets: &[usize; 4],
        w1: &[[f32; 3]; 5],
        b1: &[f32; 5],
        w2: &[[f32; 5]; 2],
        b2: &[f32; 2],
    ) -> f32 {
        let h = relu(&linear_batch(x, w1, b1));
        cross_entropy_batch(&linear_batch(&h, w2, b2), targets)
    }
}

#[test]
fn one_import_per_callee_and_the_gradient_is_right() {
    let x = [
        [0.1, -0.4, 0.9],
        [1.2, 0.3, -0.5],
        [-0.8, 0.6, 0.2],
        [0.4, 0.4, -1.0],
    ];
    let targets = [0, 1, 1, 0];
    let w1 = [
        [0.3, -0.2, 0.5],
        [0.1, 0.4, -0.3],
        [-0.6, 0.2, 0.1],
        [0.25, -0.35, 0.45],
        [0.7, 0.1, -0.2],
    ];
    // No hidden unit within the check's step of its kink (ReLU at 0).
    let b1 = [-0.3, 0.16, -0.28, -0.27, -0.18];
    let w2 = [[0.2, -0.3, 0.4, 0.1, -0.5], [-0.1, 0.6, -0.2, 0.3, 0.2]];
    let b2 = [0.1, -0.1];
    let report = check_gradient(
        |w1: &[[f32; 3]; 5]| model::loss(&x, &targets, w1, &b1, &w2, &b2),
        |w1: &[[f32; 3]; 5], d: &mut [[f32; 3]; 5]| {
            let (mut d_b1, mut d_w2, mut d_b2) = ([0.0; 5], [[0.0; 5]; 2], [0.0; 2]);
            model::loss_grad(
                &x, &targets, w1, d, &b1, &mut d_b1, &w2, &mut d_w2, &b2, &mut d_b2,
            )
        },
        &w1,
        Tolerance::default(),
    )
    .expect("a valid tolerance");
    assert_eq!(report.failures, 0, "{report}");
}
