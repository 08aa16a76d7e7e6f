//! Functions with `max_iters` called from differentiable functions with `max_iters`: the
//! callee's `IterationLimit` reaches the caller's `_grad`, `_vjp` and `_fwd`, and the reverse
//! sweep repeats calls that succeeded (calls in replayed and in stored loops).

use super::programs::oscillator;
use crate::loops::programs::assert_close;
use backprop::{differentiable, IterationLimit};

/// Two runs of the bounded oscillator, called outside any loop.
#[differentiable(max_iters = 10)]
fn two_runs(k: f32, c: f32, n: usize, m: usize) -> f32 {
    let a = oscillator(k, c, 1.0, 0.0, 0.01, n);
    let b = oscillator(2.0 * k, c, 0.5, 0.1, 0.02, m);
    a * b + a
}

/// The oscillator restarted `reps` times from where it stopped: a loop of run-time length that
/// overwrites `x` with a call's value, so each call's pullback is stored in a slot that
/// `max_iters` sizes.
#[differentiable(max_iters = 8)]
fn restarted(k: f32, c: f32, x0: f32, reps: usize, n: usize) -> f32 {
    let mut x = x0;
    for _ in 0..reps {
        x = oscillator(k, c, x, 0.0, 0.05, n).sqrt();
    }
    x
}

/// A sum of oscillator energies over a run-time number of stiffnesses: an accumulate-only loop,
/// replayed in the reverse sweep, which calls the callee's `_fwd` again.
#[differentiable(max_iters = 8)]
fn energies(ks: &[f32], c: f32, n: usize) -> f32 {
    let mut total = 0.0;
    for i in 0..ks.len() {
        total += oscillator(ks[i], c, 1.0, 0.0, 0.01, n);
    }
    total
}

fn central(f: impl Fn(f32) -> f32, x: f32) -> f32 {
    let eps = 1e-2 * x.abs().max(0.1);
    ((f64::from(f(x + eps)) - f64::from(f(x - eps))) / (2.0 * f64::from(eps))) as f32
}

#[test]
fn a_bounded_callee_outside_loops() {
    let (k, c) = (3.0, 0.2);
    let (value, dk, dc) = two_runs_grad(k, c, 300, 200).expect("both within the bounds");
    assert_eq!(value, two_runs(k, c, 300, 200));
    let fd = [
        central(|k| two_runs(k, c, 300, 200), k),
        central(|c| two_runs(k, c, 300, 200), c),
    ];
    assert_close(
        "two_runs vs central differences",
        &[dk, dc],
        &fd,
        2e-2,
        1e-3,
    );
    let (v, vk, vc) = two_runs_vjp(k, c, 300, 200, -1.5).expect("within the bounds");
    assert_eq!(v, value);
    assert_close(
        "two_runs_vjp",
        &[vk, vc],
        &[-1.5 * dk, -1.5 * dc],
        1e-5,
        0.0,
    );
}

#[test]
fn a_callee_past_its_bound_is_the_callers_error() {
    let past = IterationLimit {
        function: "oscillator",
        max_iters: 1000,
        needed: 1001,
    };
    assert_eq!(two_runs_grad(3.0, 0.2, 1001, 5), Err(past));
    assert_eq!(two_runs_grad(3.0, 0.2, 5, 1001), Err(past));
    assert_eq!(two_runs_vjp(3.0, 0.2, 5, 1001, 1.0).map(|r| r.0), Err(past));
    assert!(two_runs_fwd(3.0, 0.2, 1001, 5).is_err());
    assert_eq!(restarted_grad(3.0, 0.2, 1.0, 2, 1001), Err(past));
    assert_eq!(
        energies_grad(&[1.0, 2.0], &mut [0.0; 2], 0.2, 1001).map(|r| r.0),
        Err(past)
    );
    // The caller's own bound is checked too, before its loop starts.
    let own = IterationLimit {
        function: "restarted",
        max_iters: 8,
        needed: 9,
    };
    assert_eq!(restarted_grad(3.0, 0.2, 1.0, 9, 10), Err(own));
}

#[test]
fn a_bounded_callee_in_a_stored_loop() {
    let (k, c, x0) = (3.0, 0.2, 0.8);
    let (value, dk, dc, dx0) = restarted_grad(k, c, x0, 5, 40).expect("within the bounds");
    assert_eq!(value, restarted(k, c, x0, 5, 40));
    let fd = [
        central(|k| restarted(k, c, x0, 5, 40), k),
        central(|c| restarted(k, c, x0, 5, 40), c),
        central(|x0| restarted(k, c, x0, 5, 40), x0),
    ];
    assert_close(
        "restarted vs central differences",
        &[dk, dc, dx0],
        &fd,
        2e-2,
        1e-3,
    );
    let (v, pullback) = restarted_fwd(k, c, x0, 5, 40).expect("within the bounds");
    assert_eq!(v, value);
    let (pk, pc, px0) = pullback(k, c, x0, 5, 40, 1.0);
    assert_close(
        "restarted's pullback",
        &[pk, pc, px0],
        &[dk, dc, dx0],
        1e-6,
        0.0,
    );
}

#[test]
fn a_bounded_callee_in_a_replayed_loop() {
    let ks = [1.0, 2.5, 4.0];
    let c = 0.3;
    let mut d_ks = [0.0; 3];
    let (value, dc) = energies_grad(&ks, &mut d_ks, c, 250).expect("within the bounds");
    assert_eq!(value, energies(&ks, c, 250));
    for i in 0..3 {
        let fd = central(
            |k| {
                let mut moved = ks;
                moved[i] = k;
                energies(&moved, c, 250)
            },
            ks[i],
        );
        assert_close(&format!("d_ks[{i}]"), &[d_ks[i]], &[fd], 2e-2, 1e-3);
    }
    let fd = central(|c| energies(&ks, c, 250), c);
    assert_close("d_c", &[dc], &[fd], 2e-2, 1e-3);
}
