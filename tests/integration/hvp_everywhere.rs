//! `_hvp` on everything `_grad` accepts: a loop with a run-time trip count under `max_iters`
//! (against `torch.func.hessian`, `scripts/jvp_fixtures.py` -> `tests/fixtures/jvp.json`, and
//! differences of `_grad`, with the typed error past the bound), a slice, a `while` loop and a
//! loop left by `break`, `check_finite`, `loops = store | recompute`, a one-pass loop,
//! whole-array assignment through an array-returning call, `f64` and a method on `&self`, each
//! against central differences of its `_grad`.

// Indexed range loops are the subject: the macro's subset has no iterator chains. The functions
// are differentiated, not all called.
#![allow(clippy::needless_range_loop, dead_code)]

use crate::runtime_length::programs::*;
use backprop::differentiable;
use backprop::gradcheck::Tolerance;
use backprop::jacobian::hessian;
use backprop::jvpcheck::check_hvp;
use backprop::{IterationLimit, Parameters};
use serde_json::Value;

/// `(grad(x + h e_j) - grad(x - h e_j)) / 2h` for every column `j`, in `f64` from the `f32`
/// gradient, with steps relative to each argument (`rel * max(|x_j|, 0.01)`: `dt` is 0.01).
fn hessian_by_differences<const N: usize>(
    grad: impl Fn(&[f32; N]) -> [f32; N],
    x: &[f32; N],
    rel: f32,
) -> [[f64; N]; N] {
    let mut h = [[0.0; N]; N];
    for col in 0..N {
        let step = rel * x[col].abs().max(0.01);
        let at = |s: f32| {
            let mut y = *x;
            y[col] += s;
            grad(&y)
        };
        let (up, down) = (at(step), at(-step));
        for row in 0..N {
            h[row][col] = (f64::from(up[row]) - f64::from(down[row])) / (2.0 * f64::from(step));
        }
    }
    h
}

/// Every entry within `rel` of `want`, or within `rel` of the largest entry (for entries near
/// zero, which carry the rounding of the larger ones).
fn assert_close<const N: usize>(got: &[[f32; N]; N], want: &[[f64; N]; N], rel: f64, what: &str) {
    let largest = want.iter().flatten().fold(0.0f64, |m, w| m.max(w.abs()));
    for (g, w) in got.iter().flatten().zip(want.iter().flatten()) {
        let g = f64::from(*g);
        assert!(
            (g - w).abs() <= rel * w.abs() + 1e-3 * rel * largest,
            "{what}: {got:?} vs {want:?}"
        );
    }
}

fn oscillator_point() -> ([f32; 5], Value) {
    let all: Value = serde_json::from_str(include_str!("../fixtures/jvp.json")).unwrap();
    let case = all["hessian"]["oscillator"].clone();
    let x: Vec<f32> = case["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap() as f32)
        .collect();
    (x.try_into().unwrap(), case)
}

/// The oscillator's five scalars as one array, at 300 steps (the fixture's).
fn oscillator_hvp_at(p: &[f32; 5], v: &[f32; 5], hv: &mut [f32; 5]) -> f32 {
    let [k, c, x0, v0, dt] = *p;
    let (value, hk, hc, hx0, hv0, hdt) =
        oscillator_hvp(k, v[0], c, v[1], x0, v[2], v0, v[3], dt, v[4], 300)
            .expect("300 steps are within max_iters");
    *hv = [hk, hc, hx0, hv0, hdt];
    value
}

#[test]
fn a_loop_with_a_run_time_trip_count_against_torch_func_hessian() {
    let (p, case) = oscillator_point();
    let h = hessian(oscillator_hvp_at, &p);
    let torch: Vec<f64> = case["hessian"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    let torch: [[f64; 5]; 5] = core::array::from_fn(|r| core::array::from_fn(|c| torch[r * 5 + c]));
    assert_close(&h, &torch, 1e-3, "oscillator hessian vs torch");
    let value = oscillator_hvp_at(&p, &[0.0; 5], &mut [0.0; 5]);
    let [k, c, x0, v0, dt] = p;
    assert_eq!(value, oscillator(k, c, x0, v0, dt, 300));
    let grad = |p: &[f32; 5]| {
        let (_, dk, dc, dx0, dv0, ddt) =
            oscillator_grad(p[0], p[1], p[2], p[3], p[4], 300).expect("within max_iters");
        [dk, dc, dx0, dv0, ddt]
    };
    assert_close(
        &h,
        &hessian_by_differences(grad, &p, 1e-3),
        2e-2,
        "oscillator hessian vs differences of _grad",
    );
}

#[test]
fn past_max_iters_hvp_is_the_same_typed_error_as_grad() {
    let (p, _) = oscillator_point();
    let [k, c, x0, v0, dt] = p;
    let limit = IterationLimit {
        function: "oscillator",
        max_iters: 1000,
        needed: 1001,
    };
    assert_eq!(
        oscillator_grad(k, c, x0, v0, dt, 1001).map(|r| r.0),
        Err(limit)
    );
    let hvp = oscillator_hvp(k, 1.0, c, 0.0, x0, 0.0, v0, 0.0, dt, 0.0, 1001);
    assert_eq!(hvp.map(|r| r.0), Err(limit));
    // The bound itself is within it.
    assert!(oscillator_hvp(k, 1.0, c, 0.0, x0, 0.0, v0, 0.0, dt, 0.0, 1000).is_ok());
}

#[test]
fn a_while_loop_to_convergence_has_the_second_derivative_of_sqrt() {
    for a in [0.5f32, 2.0, 9.0] {
        let (value, h) = newton_sqrt_hvp(a, 1.0).expect("converges within max_iters");
        assert_eq!(value, newton_sqrt(a));
        // d^2/da^2 sqrt(a) = -a^(-3/2) / 4.
        let want = -0.25 / (a * a.sqrt());
        assert!(
            (h - want).abs() <= 1e-3 * want.abs(),
            "a = {a}: {h} vs {want}"
        );
    }
}

#[test]
fn a_loop_left_by_break_under_max_iters() {
    // `x` falls below `stop` at step 61 of at most 100 (`2 * 0.985^61 = 0.797`, one step
    // earlier 0.809): the second derivatives of `t x` after those 61 steps.
    let p = [1.5f32, 2.0, 0.8, 0.01];
    let hvp = |p: &[f32; 4], v: &[f32; 4], hv: &mut [f32; 4]| {
        let (value, a, b, c, d) =
            decay_until_hvp(p[0], v[0], p[1], v[1], p[2], v[2], p[3], v[3], 100)
                .expect("within max_iters");
        *hv = [a, b, c, d];
        value
    };
    let grad = |p: &[f32; 4]| {
        let (_, a, b, c, d) = decay_until_grad(p[0], p[1], p[2], p[3], 100).expect("in bounds");
        [a, b, c, d]
    };
    assert_close(
        &hessian(hvp, &p),
        &hessian_by_differences(grad, &p, 1e-3),
        2e-2,
        "decay_until",
    );
}

/// `check_hvp`'s value and central-difference checks on a function of one array.
fn check<const N: usize>(
    grad: impl Fn(&[f32; N], &mut [f32; N]) -> f32,
    hvp: impl Fn(&[f32; N], &[f32; N], &mut [f32; N]) -> f32,
    x: &[f32; N],
    v: &[f32; N],
    what: &str,
) {
    check_hvp(grad, hvp, x, v, Tolerance::default()).unwrap_or_else(|e| panic!("{what}: {e:?}"));
}

#[differentiable(hvp, max_iters = 16)]
fn slice_energy(c: &[f32], x: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..c.len() {
        s += (c[i] * x).sin() * c[i] + c[i] * c[i] * x;
    }
    s
}

#[test]
fn a_slice_of_run_time_length() {
    // The slice and the scalar as one array: `c` is the first three entries.
    let grad = |p: &[f32; 4], g: &mut [f32; 4]| {
        let mut d_c = [0.0; 3];
        let (value, d_x) = slice_energy_grad(&p[..3], &mut d_c, p[3]).expect("3 <= 16");
        *g = [d_c[0], d_c[1], d_c[2], d_x];
        value
    };
    let hvp = |p: &[f32; 4], v: &[f32; 4], hv: &mut [f32; 4]| {
        let mut h_c = [0.0; 3];
        let (value, h_x) =
            slice_energy_hvp(&p[..3], &v[..3], &mut h_c, p[3], v[3]).expect("3 <= 16");
        *hv = [h_c[0], h_c[1], h_c[2], h_x];
        value
    };
    check(
        grad,
        hvp,
        &[0.5, -1.0, 1.5, 0.7],
        &[0.3, 1.0, -0.5, 0.8],
        "slice",
    );
}

#[differentiable(hvp, check_finite)]
fn checked(p: &[f32; 2]) -> f32 {
    (p[0] * p[1]).exp() + p[0].sqrt()
}

#[test]
fn check_finite_reports_a_non_finite_adjoint_as_grad_does() {
    let grad = |p: &[f32; 2], g: &mut [f32; 2]| checked_grad(p, g).expect("finite");
    let hvp =
        |p: &[f32; 2], v: &[f32; 2], hv: &mut [f32; 2]| checked_hvp(p, v, hv).expect("finite");
    check(grad, hvp, &[0.4, -0.8], &[1.0, 0.5], "check_finite");
    // `sqrt`'s derivatives are infinite at 0.
    assert!(checked_grad(&[0.0, 1.0], &mut [0.0; 2]).is_err());
    let err = checked_hvp(&[0.0, 1.0], &[1.0, 0.0], &mut [0.0; 2]).unwrap_err();
    assert_eq!(err.function, "checked");
    assert!(!err.value.is_finite());
}

/// The same recurrence under each loop plan.
macro_rules! recurrences {
    ($($name:ident: $($plan:ident = $how:ident)?;)*) => {$(
        #[differentiable(hvp $(, $plan = $how)?)]
        fn $name(w: &[f32; 5]) -> f32 {
            let mut h = 0.3;
            for i in 0..5 {
                h = (h * w[i] + 0.2).sin();
            }
            h * h
        }
    )*};
}
recurrences! {
    planned: ;
    stored: loops = store;
    recomputed: loops = recompute;
}

#[test]
fn every_loop_plan_gives_the_same_hvp() {
    let (w, v) = ([1.2, -0.7, 0.9, 1.4, -1.1], [0.5, 1.0, -0.25, 0.75, 1.5]);
    check(planned_grad, planned_hvp, &w, &v, "default plan");
    let mut want = [0.0; 5];
    planned_hvp(&w, &v, &mut want);
    for (hvp, plan) in [
        (stored_hvp as fn(&_, &_, &mut _) -> f32, "store"),
        (recomputed_hvp, "recompute"),
    ] {
        let mut got = [0.0; 5];
        assert_eq!(hvp(&w, &v, &mut got), planned(&w), "{plan}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                "{plan}: {got:?} vs {want:?}"
            );
        }
    }
}

/// A loss accumulated over a batch: `_grad` reverses the loop in one pass.
#[differentiable(hvp)]
fn batch_loss(w: &[f32; 3], xs: &[[f32; 3]; 4]) -> f32 {
    let mut loss = 0.0;
    for p in 0..4 {
        let mut z = 0.0;
        for j in 0..3 {
            z += w[j] * xs[p][j];
        }
        loss += z.tanh() * z.tanh();
    }
    loss
}

#[test]
fn a_one_pass_loop() {
    let xs = [
        [0.5, -1.0, 0.2],
        [1.5, 0.3, -0.7],
        [-0.4, 0.9, 1.1],
        [0.8, 0.8, -0.3],
    ];
    let grad = |w: &[f32; 3], g: &mut [f32; 3]| batch_loss_grad(w, g, &xs, &mut [[0.0; 3]; 4]);
    let hvp = |w: &[f32; 3], v: &[f32; 3], hv: &mut [f32; 3]| {
        batch_loss_hvp(w, v, hv, &xs, &[[0.0; 3]; 4], &mut [[0.0; 3]; 4])
    };
    check(grad, hvp, &[0.4, -0.6, 1.0], &[1.0, 0.5, -0.5], "one pass");
}

#[differentiable(hvp)]
fn cell(x: &[f32; 2], h: &[f32; 2]) -> [f32; 2] {
    [(x[0] * h[1] + 0.3).tanh(), (x[1] + h[0]).sin()]
}

/// A state overwritten whole by an array-returning call, then by a literal reading it.
#[differentiable(hvp)]
fn unrolled(x: &[f32; 2]) -> f32 {
    let mut h = [0.1, 0.2];
    for _ in 0..3 {
        h = cell(x, &h);
    }
    h = [h[1], h[0] * 2.0];
    h[0] * h[1]
}

#[test]
fn whole_array_assignment_through_a_call() {
    check(
        unrolled_grad,
        unrolled_hvp,
        &[0.5, 0.2],
        &[1.0, -0.5],
        "whole array",
    );
}

#[differentiable(hvp)]
fn in_f64(x: f64, w: &[f64; 2]) -> f64 {
    (x * w[0]).sin() * w[1] + x * x * w[0]
}

#[test]
fn f64_against_differences_of_its_grad() {
    let (x, w, v) = (0.5, [1.0, 2.0], [0.5, -1.0, 0.25]);
    let mut hw = [0.0; 2];
    let (value, hx) = in_f64_hvp(x, v[0], &w, &[v[1], v[2]], &mut hw);
    assert_eq!(value, in_f64(x, &w));
    let grad = |s: f64| {
        let y = [w[0] + s * v[1], w[1] + s * v[2]];
        let mut g = [0.0; 2];
        let (_, gx) = in_f64_grad(x + s * v[0], &y, &mut g);
        [gx, g[0], g[1]]
    };
    let h = 1e-5;
    let (up, down) = (grad(h), grad(-h));
    for (got, k) in [hx, hw[0], hw[1]].into_iter().zip(0..) {
        let want = (up[k] - down[k]) / (2.0 * h);
        assert!((got - want).abs() <= 1e-8, "[{k}]: {got} vs {want}");
    }
}

#[derive(Parameters)]
struct Spring {
    w: [f32; 2],
}

impl Spring {
    #[differentiable(hvp)]
    fn energy(&self, x: f32) -> f32 {
        (self.w[0] * x).sin() * self.w[1] + 0.5 * self.w[0] * x * x
    }
}

#[test]
fn a_method_on_self() {
    let grad = |p: &[f32; 3], g: &mut [f32; 3]| {
        let mut d = Spring { w: [0.0; 2] };
        let (value, dx) = Spring { w: [p[0], p[1]] }.energy_grad(&mut d, p[2]);
        *g = [d.w[0], d.w[1], dx];
        value
    };
    let hvp = |p: &[f32; 3], v: &[f32; 3], hv: &mut [f32; 3]| {
        let mut d = Spring { w: [0.0; 2] };
        let tangent = Spring { w: [v[0], v[1]] };
        let (value, hx) = Spring { w: [p[0], p[1]] }.energy_hvp(&tangent, &mut d, p[2], v[2]);
        *hv = [d.w[0], d.w[1], hx];
        value
    };
    check(grad, hvp, &[0.8, 1.5, -0.6], &[1.0, -0.5, 0.75], "method");
}
