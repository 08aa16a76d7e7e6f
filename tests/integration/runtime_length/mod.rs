//! Data of run-time length: slice parameters (`&[f32]`, `&[[f32; 4]]`) with `xs.len()` as a
//! loop bound, against central differences and PyTorch (`scripts/runlen_fixtures.py`), trained
//! with Adam as PyTorch trains it; their shadows in `_grad`, `_vjp` and the pullback, with the
//! length checked against the primal's. Loops with a run-time trip count under `max_iters`: an
//! ODE integrated for `n` steps and a GRU over a sequence of run-time length against PyTorch, a
//! `while` loop to convergence and a loop left by `break`, and the typed error past the bound.

// Indexed range loops are the subject: the macro's subset has no iterator chains.
#![allow(clippy::needless_range_loop)]

mod bounded_callees;
pub(crate) mod programs;

use crate::loops::programs::{assert_close, flat, scalar};
use crate::whole_array::programs::{Gru, D, H, T};
use backprop::optim::{zero_grad, Adam, AdamConfig, Optimizer};
use backprop::{differentiable, Zero};
use programs::*;
use serde_json::Value;
use std::sync::OnceLock;

/// `tests/fixtures/runlen.json`, written by `scripts/runlen_fixtures.py`.
pub(crate) fn fixture(name: &str) -> &'static Value {
    static FIXTURES: OnceLock<Value> = OnceLock::new();
    let all = FIXTURES.get_or_init(|| {
        serde_json::from_str(include_str!("../../fixtures/runlen.json"))
            .expect("valid fixture JSON")
    });
    assert!(all[name].is_object(), "no fixture for `{name}`");
    &all[name]
}

/// The same loss with the data set active too: the gradient of the inputs.
#[differentiable]
fn logistic_loss_all(m: &Logistic, xs: &[[f32; 4]], ys: &[f32]) -> f32 {
    logistic_loss(m, xs, ys)
}

fn dataset() -> (Vec<[f32; 4]>, Vec<f32>, Logistic) {
    let f = fixture("logistic");
    let xs = flat(&f["xs"])
        .chunks(4)
        .map(|r| [r[0], r[1], r[2], r[3]])
        .collect();
    let w = flat(&f["w"]);
    let m = Logistic {
        w: [w[0], w[1], w[2], w[3]],
        b: scalar(&f["b"]),
    };
    (xs, flat(&f["ys"]), m)
}

#[test]
fn logistic_regression_over_a_slice_of_arrays_against_pytorch_and_central_differences() {
    let (xs, ys, m) = dataset();
    let start = &fixture("logistic")["start"];
    let mut d_m = Logistic::zero();
    let value = logistic_loss_grad(&m, &mut d_m, &xs, &ys);
    assert_close("value", &[value], &[scalar(&start["value"])], 1e-5, 1e-6);
    assert_close("d_w", &d_m.w, &flat(&start["w"]), 1e-4, 1e-6);
    assert_close("d_b", &[d_m.b], &[scalar(&start["b"])], 1e-4, 1e-6);
    crate::whole_array::assert_params_fd(&d_m, &m, |m| logistic_loss(m, &xs, &ys));
}

#[test]
fn the_gradient_of_the_data_set_itself() {
    let (xs, ys, m) = dataset();
    let (mut d_m, mut d_xs) = (Logistic::zero(), vec![[0.0; 4]; xs.len()]);
    let mut d_ys = vec![0.0; ys.len()];
    let value = logistic_loss_all_grad(&m, &mut d_m, &xs, &mut d_xs, &ys, &mut d_ys);
    assert_eq!(value, logistic_loss_all(&m, &xs, &ys));
    let want = flat(&fixture("logistic")["start"]["xs"]);
    assert_close("d_xs", d_xs.as_flattened(), &want, 1e-4, 1e-6);
    let eps = 1e-2;
    for i in [0, 7, 15] {
        let (mut plus, mut minus) = (ys.clone(), ys.clone());
        plus[i] += eps;
        minus[i] -= eps;
        let fd = (logistic_loss(&m, &xs, &plus) - logistic_loss(&m, &xs, &minus)) / (2.0 * eps);
        assert_close(&format!("d_ys[{i}]"), &[d_ys[i]], &[fd], 1e-3, 1e-4);
    }
}

#[test]
fn trained_with_adam_as_pytorch_trains_it() {
    let (xs, ys, mut m) = dataset();
    let f = fixture("logistic");
    let mut opt = Adam::<Logistic>::new(AdamConfig {
        lr: f["lr"].as_f64().expect("lr"),
        ..AdamConfig::default()
    })
    .expect("a valid configuration");
    let mut d_m = Logistic::zero();
    let mut losses = Vec::new();
    for _ in 0..f["steps"].as_u64().expect("steps") {
        zero_grad(&mut d_m);
        losses.push(logistic_loss_grad(&m, &mut d_m, &xs, &ys));
        opt.step(&mut m, &d_m);
    }
    assert_close("losses", &losses, &flat(&f["losses"]), 1e-4, 1e-6);
    assert_close("trained w", &m.w, &flat(&f["trained"]["w"]), 1e-4, 1e-5);
    assert_close(
        "trained b",
        &[m.b],
        &[scalar(&f["trained"]["b"])],
        1e-4,
        1e-5,
    );
    assert!(
        losses[4] < losses[0],
        "training lowers the loss: {losses:?}"
    );
}

#[test]
fn a_slice_in_split_mode_and_forward_mode() {
    let xs = [0.5f32, -1.0, 2.0];
    let (value, pullback) = weighted_squares_fwd(&xs, 3.0);
    assert_eq!(value, 3.0 * (0.25 + 1.0 + 4.0));
    assert_eq!(value, weighted_squares(&xs, 3.0));
    let mut d_xs = [0.0f32; 3];
    let d_a = pullback(&xs, Some(&mut d_xs[..]), 3.0, 2.0);
    assert_close("d_a", &[d_a], &[2.0 * 5.25], 1e-6, 0.0);
    assert_close("d_xs", &d_xs, &[6.0, -12.0, 24.0], 1e-6, 0.0);
    let mut d_xs = [0.0f32; 3];
    let (v, d_a) = weighted_squares_vjp(&xs, &mut d_xs, 3.0, 1.0);
    assert_eq!((v, d_a), (value, 5.25));
    assert_close("d_xs (vjp)", &d_xs, &[3.0, -6.0, 12.0], 1e-6, 0.0);
    // The tangent of a `&[f32]` is a `&[f32]`: along xs_dot = [1, 0, 1], a_dot = 1.
    let (v, t) = weighted_squares_jvp(&xs, &[1.0, 0.0, 1.0], 3.0, 1.0);
    assert_eq!(v, value);
    assert_close("tangent", &[t], &[3.0 + 12.0 + 5.25], 1e-6, 0.0);
}

#[test]
#[should_panic(expected = "the shadow `d_xs` has length 2 where `xs` has length 3")]
fn a_short_slice_shadow_is_named_by_grad() {
    let mut d_xs = [0.0f32; 2];
    weighted_squares_grad(&[1.0, 2.0, 3.0], &mut d_xs, 1.0);
}

#[test]
#[should_panic(expected = "the shadow `d_xs` has length 4 where `xs` has length 3")]
fn a_long_slice_shadow_is_named_by_the_pullback() {
    let xs = [1.0f32, 2.0, 3.0];
    let (_, pullback) = weighted_squares_fwd(&xs, 1.0);
    pullback(&xs, Some(&mut [0.0; 4][..]), 1.0, 1.0);
}

/// `xs.len()` of a `&Vec` bounds a loop as a slice's does.
#[differentiable]
#[allow(clippy::ptr_arg)] // the subject is `&Vec`
fn mean_of_vec(xs: &Vec<f32>) -> f32 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += xs[i];
    }
    s / xs.len() as f32
}

#[test]
fn the_length_of_a_vec_bounds_a_loop() {
    let xs = vec![1.0f32, 2.0, 6.0];
    let mut d_xs = vec![0.0; 3];
    let value = mean_of_vec_grad(&xs, &mut d_xs);
    assert_eq!(value, mean_of_vec(&xs));
    assert_eq!(value, 3.0);
    assert_close("d_xs", &d_xs, &[1.0 / 3.0; 3], 1e-6, 0.0);
}

fn oscillator_args() -> ([f32; 5], usize) {
    let f = fixture("oscillator");
    let args = ["k", "c", "x0", "v0", "dt"].map(|name| scalar(&f["args"][name]));
    (args, f["n"].as_u64().expect("n") as usize)
}

#[test]
fn an_ode_over_a_run_time_number_of_steps_against_pytorch_and_central_differences() {
    let ([k, c, x0, v0, dt], n) = oscillator_args();
    let f = fixture("oscillator");
    let (value, dk, dc, dx0, dv0, ddt) =
        oscillator_grad(k, c, x0, v0, dt, n).expect("n is within max_iters");
    assert_eq!(value, oscillator(k, c, x0, v0, dt, n));
    assert_close("value", &[value], &[scalar(&f["value"])], 1e-4, 1e-6);
    let grads = [dk, dc, dx0, dv0, ddt];
    let names = ["k", "c", "x0", "v0", "dt"];
    let torch = names.map(|name| scalar(&f["grads"][name]));
    assert_close("gradient vs PyTorch", &grads, &torch, 1e-3, 1e-5);
    let args = [k, c, x0, v0, dt];
    for (a, name) in names.iter().enumerate() {
        // Steps relative to each argument: dt is 0.01.
        let eps = 1e-3 * args[a].abs().max(1e-1);
        let at = |delta: f32| {
            let mut p = args;
            p[a] += delta;
            f64::from(oscillator(p[0], p[1], p[2], p[3], p[4], n))
        };
        let fd = ((at(eps) - at(-eps)) / (2.0 * f64::from(eps))) as f32;
        assert_close(
            &format!("d_{name} vs central differences"),
            &[grads[a]],
            &[fd],
            2e-2,
            1e-3,
        );
    }
    let (v, vk, vc, vx0, vv0, vdt) = oscillator_vjp(k, c, x0, v0, dt, n, 2.0).expect("in bounds");
    assert_eq!(v, value);
    assert_close(
        "vjp",
        &[vk, vc, vx0, vv0, vdt],
        &grads.map(|g| 2.0 * g),
        1e-6,
        0.0,
    );
}

#[test]
fn a_run_past_max_iters_is_a_typed_error_in_grad_vjp_and_fwd() {
    let ([k, c, x0, v0, dt], _) = oscillator_args();
    let limit = backprop::IterationLimit {
        function: "oscillator",
        max_iters: 1000,
        needed: 1001,
    };
    assert_eq!(oscillator_grad(k, c, x0, v0, dt, 1001), Err(limit));
    assert_eq!(
        oscillator_vjp(k, c, x0, v0, dt, 1001, 1.0).map(|r| r.0),
        Err(limit)
    );
    assert!(oscillator_fwd(k, c, x0, v0, dt, 1001).is_err());
    // The bound itself is within it.
    let (value, pullback) = oscillator_fwd(k, c, x0, v0, dt, 1000).expect("1000 steps fit");
    assert_eq!(value, oscillator(k, c, x0, v0, dt, 1000));
    let (dk, ..) = pullback(k, c, x0, v0, dt, 1000, 1.0);
    assert!(dk.is_finite());
}

/// The GRU of `whole_array` over a sequence of run-time length: the state is overwritten by a
/// call every step, so the pullbacks of the calls wait in slots sized by `max_iters`.
#[differentiable(max_iters = 64)]
fn gru_over_a_slice(m: &Gru, xs: &[[f32; D]], h0: &[f32; H]) -> f32 {
    let mut h = *h0;
    for t in 0..xs.len() {
        h = m.cell(&xs[t], &h);
    }
    h[0] * h[0] + 2.0 * h[1]
}

#[test]
fn an_rnn_over_a_sequence_of_run_time_length_against_pytorch() {
    let (case, m, xs, h0) = crate::whole_array::gru_case();
    let (mut d_m, mut d_xs, mut d_h0) = (Gru::zero(), vec![[0.0; D]; T], [0.0; H]);
    let value = gru_over_a_slice_grad(&m, &mut d_m, &xs, &mut d_xs, &h0, &mut d_h0)
        .expect("5 steps are within max_iters");
    assert_close("value", &[value], &[scalar(&case["value"])], 1e-5, 1e-5);
    crate::whole_array::assert_params_torch(&d_m, &case["grads"]);
    assert_close(
        "d_xs",
        d_xs.as_flattened(),
        &flat(&case["grads"]["xs"]),
        1e-4,
        1e-5,
    );
    assert_close("d_h0", &d_h0, &flat(&case["grads"]["h0"]), 1e-4, 1e-5);
    crate::whole_array::assert_params_fd(&d_m, &m, |m| gru_over_a_slice(m, &xs, &h0));
    let long = vec![[0.1; D]; 65];
    let mut d_long = vec![[0.0; D]; 65];
    let err = gru_over_a_slice_grad(&m, &mut d_m, &long, &mut d_long, &h0, &mut d_h0);
    assert_eq!(err.map(|_| ()).unwrap_err().needed, 65);
}

#[test]
fn a_while_loop_to_convergence() {
    for a in [0.25f32, 2.0, 9.0, 150.0] {
        let (x, dx) = newton_sqrt_grad(a).expect("converges in under 100 steps");
        assert_close("value", &[x], &[a.sqrt()], 1e-6, 0.0);
        assert_eq!(x, newton_sqrt(a));
        // The derivative of the converged iteration: 1 / (2 sqrt a).
        assert_close(&format!("d sqrt({a})"), &[dx], &[0.5 / a.sqrt()], 1e-4, 0.0);
        // Forward mode runs the same iterations, with no bound to check.
        let (v, t) = newton_sqrt_jvp(a, 1.0);
        assert_eq!(v, x);
        assert_close(&format!("tangent of sqrt({a})"), &[t], &[dx], 1e-5, 0.0);
    }
}

#[test]
fn a_bounded_loop_left_by_break() {
    let (k, x0, stop, dt) = (2.0f32, 1.0, 0.3, 0.01);
    let (v, dk, dx0, dstop, ddt) = decay_until_grad(k, x0, stop, dt, 400).expect("in bounds");
    assert_eq!(v, decay_until(k, x0, stop, dt, 400));
    // The trip count is piecewise constant: differences small enough not to change it.
    let eps = 1e-4;
    let fd = |f: &dyn Fn(f32) -> f32, at: f32| (f(at + eps) - f(at - eps)) / (2.0 * eps);
    let fdk = fd(&|k| decay_until(k, x0, stop, dt, 400), k);
    let fdx0 = fd(&|x0| decay_until(k, x0, stop, dt, 400), x0);
    assert_close("d_k", &[dk], &[fdk], 1e-2, 1e-3);
    assert_close("d_x0", &[dx0], &[fdx0], 1e-2, 1e-3);
    assert_eq!(dstop, 0.0, "the threshold only decides the trip count");
    assert!(ddt.is_finite());
    // Stopped by the bound `n` first: the whole range, no break.
    let (v5, ..) = decay_until_grad(k, x0, stop, dt, 5).expect("in bounds");
    assert_eq!(v5, decay_until(k, x0, stop, dt, 5));
    // Past max_iters only if the loop would run past it: a loop that breaks early is fine.
    assert!(decay_until_grad(k, x0, stop, dt, 10_000).is_ok());
    let never = decay_until_grad(k, x0, -1.0, dt, 10_000).unwrap_err();
    assert_eq!((never.max_iters, never.needed), (500, 10_000));
}

#[test]
fn a_while_loop_past_max_iters_is_a_typed_error() {
    assert_eq!(halve_until_grad(1.6, 0.15), Ok((0.1, 0.0625, 0.0)));
    assert_eq!(halve_until(1.6, 0.15), 0.1);
    // Exactly at the bound: 100 halvings, then the test fails.
    let x0 = 2.0f32.powi(99);
    assert_eq!(halve_until_grad(x0, 0.75).map(|r| r.0), Ok(0.5));
    // Zero stays above a negative threshold: the loop would run forever.
    let err = halve_until_grad(1.0, -1.0).map(|_| ()).unwrap_err();
    let limit = backprop::IterationLimit {
        function: "halve_until",
        max_iters: 100,
        needed: 101,
    };
    assert_eq!(err, limit);
}

/// The same losses with the elements iterated: `for x in xs`, `for y in ys.iter()`.
#[differentiable]
fn sum_of_rows(xs: &[[f32; 4]], w: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    for x in xs {
        for j in 0..4 {
            s += w[j] * x[j] * x[j];
        }
    }
    for v in w.iter() {
        s += v * v;
    }
    s
}

#[test]
fn loops_over_the_elements_of_a_slice_and_an_array() {
    let (xs, _, _) = dataset();
    let w = [0.5f32, -1.0, 0.25, 2.0];
    let (mut d_xs, mut d_w) = (vec![[0.0; 4]; xs.len()], [0.0f32; 4]);
    let value = sum_of_rows_grad(&xs, &mut d_xs, &w, &mut d_w);
    assert_eq!(value, sum_of_rows(&xs, &w));
    let want: f32 = xs
        .iter()
        .flat_map(|x| (0..4).map(move |j| w[j] * x[j] * x[j]))
        .sum::<f32>()
        + w.iter().map(|v| v * v).sum::<f32>();
    assert_close("value", &[value], &[want], 1e-5, 0.0);
    for j in 0..4 {
        let want = xs.iter().map(|x| x[j] * x[j]).sum::<f32>() + 2.0 * w[j];
        assert_close(&format!("d_w[{j}]"), &[d_w[j]], &[want], 1e-5, 1e-6);
        assert_close(
            &format!("d_xs[3][{j}]"),
            &[d_xs[3][j]],
            &[2.0 * w[j] * xs[3][j]],
            1e-6,
            0.0,
        );
    }
}
