//! Differential test: random programs inside the supported subset, each written twice by
//! `backprop-difftest` (as a `#[differentiable]` function over `f32`, and as a plain function
//! over `f64` with the same structure). The generated `_grad`, `_vjp`, `_jvp`, `_jvpk` and
//! `_hvp` must agree with central differences of the `f64` version at random points away from
//! every branch boundary (`_jvp` along a fixed tangent, and with `_vjp` by the dot-product test;
//! `_jvpk`'s first lane with `_jvp`, its second along another tangent; `_hvp` along the same
//! tangent with differences of the reference's gradient, see [`HVP_STEP`]), and
//! where the `f64` version is smooth enough at the scale of `f32` rounding for an `f32`
//! gradient to match it (see [`ROUGH`]). One program in three also has an `f64` twin, the
//! `#[differentiable]` function written over `f64`, whose value and `_grad` must agree with the
//! reference to `f64` precision at every point away from a branch.
//!
//! A longer run with other programs, 500 at a time (all at once would not fit in memory):
//! `scripts/difftest_long.sh 7 5000`, which restores the committed set at the end.
//! `DIFFTEST_POINTS=20` tries more points per program.
use backprop::differentiable;

/// One generated program, through its flat harness.
pub struct Program {
    /// `pN`: find it in `tests/generated/`.
    pub name: &'static str,
    /// How many `f32` inputs (scalars and array elements, in parameter order).
    pub inputs: usize,
    /// Calls `_grad`, `_vjp` and the function itself.
    pub run: fn(&[f32]) -> Run,
    /// For a program with an `f64` twin: its value and `_grad`'s gradient at a flat `f64` input.
    pub run64: Option<fn(&[f64]) -> Run64>,
    /// The `f64` reference; lowers `m` to the smallest relative margin of any comparison or kink.
    pub reference: fn(&[f64], &mut f64) -> f64,
}

/// What the generated code says at one point.
pub struct Run {
    /// The original function's value.
    pub plain: f32,
    /// The value `_grad` returns.
    pub value: f32,
    /// The value `_vjp` returns.
    pub vjp_value: f32,
    /// `_grad`'s gradient per flat input (`NaN` for inputs outside `wrt`).
    pub grad: Vec<f32>,
    /// `_vjp`'s gradient per flat input, for `d_out = D_OUT`.
    pub vjp: Vec<f32>,
    /// The value `_jvp` returns.
    pub jvp_value: f32,
    /// `_jvp`'s tangent along the flat tangent `tangent(k)`.
    pub jvp: f32,
    /// The value `_jvpk` returns.
    pub jvpk_value: f32,
    /// `_jvpk`'s two lanes: along `tangent(k)` (as `_jvp`) and along `tangent2(k)`.
    pub jvpk: [f32; 2],
    /// What `_hvp` returns along `tangent(k)`, for a program that has one.
    pub hvp: Option<Hvp>,
}

/// What `_hvp` says at one point, along the flat tangent `tangent(k)`.
pub struct Hvp {
    /// The value it returns.
    pub value: f32,
    /// `H v` per flat input (`NaN` for inputs outside `wrt`), shadows prefilled.
    pub hv: Vec<f32>,
}

/// What an `f64` twin's `_grad` says at one point.
pub struct Run64 {
    pub value: f64,
    /// Per flat input (`NaN` for inputs outside `wrt`).
    pub grad: Vec<f64>,
}

/// The tangent of flat input `k` given to every `_jvp`: mixed signs and sizes, never zero.
pub fn tangent(k: usize) -> f32 {
    [0.75, -0.5, 1.25, 0.25, -1.0][k % 5]
}

/// The second lane of every `_jvpk`: another direction, never zero.
pub fn tangent2(k: usize) -> f32 {
    [-0.25, 1.5, 0.5, -1.25, 0.875, 1.0, -0.625][k % 7]
}

/// The cotangent given to every `_vjp`.
pub const D_OUT: f32 = -0.75;
/// Shadows start here, not at zero: gradients must be added into them.
pub const PREFILL: f32 = 0.25;

fn margin(m: &mut f64, a: f64, b: f64) {
    *m = m.min((a - b).abs() / (1.0 + a.abs() + b.abs()));
}
fn gt(a: f64, b: f64, m: &mut f64) -> bool {
    margin(m, a, b);
    a > b
}
fn lt(a: f64, b: f64, m: &mut f64) -> bool {
    margin(m, a, b);
    a < b
}
fn ge(a: f64, b: f64, m: &mut f64) -> bool {
    margin(m, a, b);
    a >= b
}
fn le(a: f64, b: f64, m: &mut f64) -> bool {
    margin(m, a, b);
    a <= b
}
fn abs_(x: f64, m: &mut f64) -> f64 {
    margin(m, x, 0.0);
    x.abs()
}
fn max_(a: f64, b: f64, m: &mut f64) -> f64 {
    margin(m, a, b);
    a.max(b)
}
fn min_(a: f64, b: f64, m: &mut f64) -> f64 {
    margin(m, a, b);
    a.min(b)
}
fn clamp_(x: f64, lo: f64, hi: f64, m: &mut f64) -> f64 {
    margin(m, x, lo);
    margin(m, x, hi);
    x.clamp(lo, hi)
}
fn floor_(x: f64, m: &mut f64) -> f64 {
    margin(m, x, x.round());
    x.floor()
}
fn ceil_(x: f64, m: &mut f64) -> f64 {
    margin(m, x, x.round());
    x.ceil()
}
fn round_(x: f64, m: &mut f64) -> f64 {
    margin(m, x, x.floor() + 0.5);
    x.round()
}
fn signum_(x: f64, m: &mut f64) -> f64 {
    margin(m, x, 0.0);
    x.signum()
}
fn hypot_(a: f64, b: f64, m: &mut f64) -> f64 {
    // Not differentiable at the origin.
    margin(m, a.hypot(b), 0.0);
    a.hypot(b)
}

// The fixed helpers programs call, each with its `f64` twin.

#[differentiable(jvp, hvp)]
pub fn h_sq(x: f32) -> f32 {
    x * x
}
fn h_sq_ref(x: f64, _m: &mut f64) -> f64 {
    x * x
}

#[differentiable(jvp, hvp)]
pub fn h_mix(x: f32, y: f32) -> f32 {
    (x * y).tanh() + 0.5 * x - y.sin()
}
fn h_mix_ref(x: f64, y: f64, _m: &mut f64) -> f64 {
    (x * y).tanh() + 0.5 * x - y.sin()
}

#[differentiable(jvp, hvp)]
pub fn h_leaky(x: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        0.1 * x
    }
}
fn h_leaky_ref(x: f64, m: &mut f64) -> f64 {
    if gt(x, 0.0, m) {
        x
    } else {
        0.1 * x
    }
}

#[differentiable(jvp, hvp)]
pub fn h_dot(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        s += a[i] * b[i];
    }
    s
}
fn h_dot_ref(a: &[f64; 3], b: &[f64; 3], _m: &mut f64) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

#[differentiable(jvp, hvp)]
pub fn h_lift(x: f32, y: f32) -> [f32; 3] {
    [x * y, x.sin(), (y * 2.0).tanh()]
}
fn h_lift_ref(x: f64, y: f64, _m: &mut f64) -> [f64; 3] {
    [x * y, x.sin(), (y * 2.0).tanh()]
}

#[differentiable(jvp, hvp)]
pub fn h_cell(x: &[f32; 3], h: &[f32; 3]) -> [f32; 3] {
    [
        (0.5 * x[0] + 0.8 * h[1] - 0.3 * h[0]).tanh(),
        (0.5 * x[1] * h[2] + 0.4 * h[0]).tanh(),
        (x[2] - 0.6 * h[1] + 0.2 * h[2]).sin(),
    ]
}
fn h_cell_ref(x: &[f64; 3], h: &[f64; 3], _m: &mut f64) -> [f64; 3] {
    [
        (0.5 * x[0] + 0.8 * h[1] - 0.3 * h[0]).tanh(),
        (0.5 * x[1] * h[2] + 0.4 * h[0]).tanh(),
        (x[2] - 0.6 * h[1] + 0.2 * h[2]).sin(),
    ]
}

// The helpers' `f64` forms, for the programs' `f64` twins.

#[differentiable]
pub fn h_sq64(x: f64) -> f64 {
    x * x
}

#[differentiable]
pub fn h_mix64(x: f64, y: f64) -> f64 {
    (x * y).tanh() + 0.5 * x - y.sin()
}

#[differentiable]
pub fn h_leaky64(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.1 * x
    }
}

#[differentiable]
pub fn h_dot64(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let mut s = 0.0;
    for i in 0..3 {
        s += a[i] * b[i];
    }
    s
}

#[differentiable]
pub fn h_lift64(x: f64, y: f64) -> [f64; 3] {
    [x * y, x.sin(), (y * 2.0).tanh()]
}

#[differentiable]
pub fn h_cell64(x: &[f64; 3], h: &[f64; 3]) -> [f64; 3] {
    [
        (0.5 * x[0] + 0.8 * h[1] - 0.3 * h[0]).tanh(),
        (0.5 * x[1] * h[2] + 0.4 * h[0]).tanh(),
        (x[2] - 0.6 * h[1] + 0.2 * h[2]).sin(),
    ]
}

include!("generated/all.rs");

/// SplitMix64 for the sample points (the generator's seed fixes the programs; this fixes the
/// points).
struct Points(u64);

impl Points {
    fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        lo + (hi - lo) * ((z >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// Below this relative margin a comparison or kink is too close to flipping to compare there.
const MIN_MARGIN: f64 = 1e-3;

/// The relative step of the reference's central differences.
const STEP: f64 = 1e-6;

/// A second, coarser step: where the reference's central differences at [`STEP`] and at this
/// one disagree, its derivative changes faster than an `f32` program can follow, and the point
/// is skipped.
///
/// An `f32` program follows the `f64` one up to rounding, which acts like perturbing every
/// intermediate value by a few parts in `1e7`; where the derivative itself moves by more than the
/// tolerance within such a perturbation (amplified through the program), the `f32` gradient is
/// the correct derivative of the `f32` computation and still differs from the `f64` one. The
/// seed 4242 run found such a program (`p1644`, `s1 = (s1 * 3.0 + ...).sin()` sixteen times, a
/// chaotic map): the same branch decisions in `f32` and `f64`, the generated gradient equal to
/// forward-mode dual numbers run in `f32` (-1.75685 against -1.75685), and both 3% off the `f64`
/// derivative (-1.81699, which forward mode in `f64` gives too), whose own central differences
/// swing from 229.5 to -47.7 between steps of `1e-5` and `1e-6`. Nothing here depends on the
/// generated code, so a macro bug cannot hide behind this test: it only skips points where the
/// reference is too rough to compare an `f32` gradient with.
const ROUGH: f64 = 1e-5;

/// Central differences of the reference, in `f64`, with steps `step * max(1, |x|)`.
fn numeric_gradient(p: &Program, x: &[f64], step: f64) -> Vec<f64> {
    let mut scratch = f64::INFINITY;
    numeric_gradient_margin(p, x, step, &mut scratch)
}

/// [`numeric_gradient`], lowering `margin` to the smallest margin at the points it evaluates.
fn numeric_gradient_margin(p: &Program, x: &[f64], step: f64, margin: &mut f64) -> Vec<f64> {
    (0..x.len())
        .map(|k| {
            let h = step * x[k].abs().max(1.0);
            let mut xp = x.to_vec();
            xp[k] += h;
            let mut xm = x.to_vec();
            xm[k] -= h;
            ((p.reference)(&xp, margin) - (p.reference)(&xm, margin)) / (2.0 * h)
        })
        .collect()
}

/// `got` agrees with `want` up to `f32` rounding through the program, relative to the
/// gradient's overall scale (a wrong rule gives an error of the order of the gradient itself).
fn close(got: f64, want: f64, scale: f64) -> bool {
    (got - want).abs() <= tolerance(want, scale)
}

/// The error [`close`] allows.
fn tolerance(want: f64, scale: f64) -> f64 {
    2e-3 * want.abs() + 5e-4 * scale
}

/// How far the values of `_grad` and `_vjp` may be from the function's.
const MAX_ULPS: u32 = 4;

/// The distance of two finite `f32`s in units in the last place (`u32::MAX` if either is NaN).
fn ulps(a: f32, b: f32) -> u32 {
    if a.is_nan() || b.is_nan() {
        return u32::MAX;
    }
    let key = |v: f32| {
        let bits = v.to_bits() as i64;
        if bits < 0x8000_0000 {
            bits
        } else {
            0x8000_0000 - bits
        }
    };
    (key(a) - key(b)).unsigned_abs().min(u32::MAX as u64) as u32
}

#[derive(Default)]
struct Tally {
    programs: usize,
    points: usize,
    skipped: usize,
    /// Points skipped because the reference is too rough there ([`ROUGH`]).
    rough: usize,
    /// Points where an `f64` twin was compared.
    points64: usize,
    /// Points where `_hvp` was compared.
    hvp_points: usize,
    /// Points where the reference's `H v` was too rough to compare `_hvp` with.
    hvp_rough: usize,
    /// The largest error of `_hvp` as a fraction of its tolerance (how close a pass came).
    hvp_worst: f64,
    failures: Vec<String>,
}

fn check(p: &Program, seed: u64, points: usize, tally: &mut Tally) {
    let mut rng = Points(seed);
    let mut done = 0;
    for _ in 0..points * 10 {
        if done == points {
            break;
        }
        let x: Vec<f64> = (0..p.inputs)
            .map(|_| (rng.uniform(-1.5, 1.5) as f32) as f64)
            .collect();
        let mut margin = f64::INFINITY;
        let want_value = (p.reference)(&x, &mut margin);
        if margin < MIN_MARGIN || !want_value.is_finite() {
            tally.skipped += 1;
            continue;
        }
        let want = numeric_gradient(p, &x, STEP);
        let scale = want.iter().fold(1.0f64, |s, g| s.max(g.abs()));
        if let Some(run64) = p.run64 {
            // The `f64` twin is the reference computation itself: its value to rounding, its
            // gradient to the accuracy of the differences, at every point away from a branch.
            tally.points64 += 1;
            let run = run64(&x);
            let vscale = 1.0 + want_value.abs() + scale;
            let mut bad = Vec::new();
            if (run.value - want_value).abs() > 1e-12 * vscale {
                bad.push(format!("f64 _grad value {} vs {want_value}", run.value));
            }
            for (k, (&g, &w)) in run.grad.iter().zip(&want).enumerate() {
                if !g.is_nan() && (g - w).abs() > 1e-6 * w.abs() + 1e-7 * vscale {
                    bad.push(format!("f64 _grad d/dx[{k}] = {g} vs numeric {w}"));
                }
            }
            if !bad.is_empty() {
                tally.failures.push(format!(
                    "{}_f64 at x = {x:?}:\n    {}",
                    p.name,
                    bad.join("\n    ")
                ));
            }
        }
        let coarse = numeric_gradient(p, &x, ROUGH);
        if want.iter().zip(&coarse).any(|(&w, &c)| !close(c, w, scale)) {
            tally.rough += 1;
            continue;
        }
        done += 1;
        tally.points += 1;
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let run = (p.run)(&xf);
        let vscale = 1.0 + want_value.abs() + scale;
        let mut bad = Vec::new();
        if !close(run.value as f64, want_value, vscale) {
            bad.push(format!("_grad value {} vs {want_value}", run.value));
        }
        // Same operations in the same order: both forward passes give the function's value, up
        // to a few units in the last place. Not bit for bit: in release builds LLVM may fold a
        // maths call on a constant in one function and not in the other (seed 2026, p3995:
        // `_grad` 1 ulp from the function in release, bit-identical in debug).
        if ulps(run.value, run.plain) > MAX_ULPS
            || ulps(run.vjp_value, run.plain) > MAX_ULPS
            || ulps(run.jvp_value, run.plain) > MAX_ULPS
            || ulps(run.jvpk_value, run.plain) > MAX_ULPS
        {
            bad.push(format!(
                "values differ by more than {MAX_ULPS} ulps: fn {:e} _grad {:e} _vjp {:e} _jvp {:e} _jvpk {:e}",
                run.plain, run.value, run.vjp_value, run.jvp_value, run.jvpk_value
            ));
        }
        // The K-tangent form: its first lane is `_jvp`'s tangent computed by the same
        // operations (to a few ulps, as the values), its second the directional derivative
        // along `tangent2`.
        if ulps(run.jvpk[0], run.jvp) > MAX_ULPS {
            bad.push(format!(
                "_jvpk lane 0 {:e} vs _jvp {:e}",
                run.jvpk[0], run.jvp
            ));
        }
        let t2: Vec<f64> = (0..p.inputs).map(|k| tangent2(k) as f64).collect();
        let directional2: f64 = want.iter().zip(&t2).map(|(w, t)| w * t).sum();
        let t2_scale = scale * t2.iter().map(|t| t.abs()).sum::<f64>();
        if !close(run.jvpk[1] as f64, directional2, t2_scale) {
            bad.push(format!(
                "_jvpk lane 1 {} vs numeric {directional2}",
                run.jvpk[1]
            ));
        }
        // Forward mode: the tangent is the directional derivative along `tangent`, and the
        // dot-product test <J t, d_out> = <t, J^T d_out> holds against `_vjp`.
        let t: Vec<f64> = (0..p.inputs).map(|k| tangent(k) as f64).collect();
        let directional: f64 = want.iter().zip(&t).map(|(w, t)| w * t).sum();
        let t_scale = scale * t.iter().map(|t| t.abs()).sum::<f64>();
        if !close(run.jvp as f64, directional, t_scale) {
            bad.push(format!("_jvp tangent {} vs numeric {directional}", run.jvp));
        }
        let reverse: f64 = run
            .vjp
            .iter()
            .zip(&t)
            .map(|(v, t)| *v as f64 / D_OUT as f64 * t)
            .sum();
        if !close(run.jvp as f64, reverse, t_scale) {
            bad.push(format!(
                "dot-product test: _jvp {} vs _vjp {reverse}",
                run.jvp
            ));
        }
        for (k, &w) in want.iter().enumerate() {
            let g = run.grad[k] as f64;
            if !g.is_nan() && !close(g, w, scale) {
                bad.push(format!("_grad d/dx[{k}] = {g} vs numeric {w}"));
            }
            let v = run.vjp[k] as f64 / D_OUT as f64;
            if !close(v, w, scale) {
                bad.push(format!(
                    "_vjp d/dx[{k}] = {v} (after / d_out) vs numeric {w}"
                ));
            }
        }
        if let Some(hvp) = &run.hvp {
            check_hvp(p, &x, &t, scale, &run, hvp, &mut bad, tally);
        }
        if !bad.is_empty() {
            tally.failures.push(format!(
                "{} at x = {x:?}:\n    {}",
                p.name,
                bad.join("\n    ")
            ));
        }
    }
    tally.programs += 1;
}

/// The steps of the reference's `H v`: `(grad(x + h v) - grad(x - h v)) / 2h`, with `grad` the
/// twin's `_grad` (exact to rounding: `h` can be small) or else central differences of the
/// reference at the same step (nested differences, where the rounding error `eps |f| / h^2` and
/// the truncation error `h^2 f^(4)` are both near `1e-8` at `h = 1e-4`). The second, coarser
/// step tells where the reference is too rough to compare with, as [`ROUGH`] does for the
/// gradient.
const HVP_STEP_TWIN: (f64, f64) = (1e-5, 1e-4);
const HVP_STEP: (f64, f64) = (1e-4, 3e-4);

/// The reference's `H v` at `x` along `v` with outer step `h`, and the smallest margin of a
/// comparison or kink at the points it evaluates (a branch crossed between them makes the
/// difference meaningless).
fn reference_hvp(p: &Program, x: &[f64], v: &[f64], h: f64, twin: bool) -> (Vec<f64>, f64) {
    let mut margin = f64::INFINITY;
    let mut grad_at = |sign: f64| -> Vec<f64> {
        let y: Vec<f64> = x.iter().zip(v).map(|(x, v)| x + sign * h * v).collect();
        (p.reference)(&y, &mut margin);
        match p.run64.filter(|_| twin) {
            Some(run64) => run64(&y).grad,
            None => numeric_gradient_margin(p, &y, h, &mut margin),
        }
    };
    let plus = grad_at(1.0);
    let minus = grad_at(-1.0);
    let hv = plus
        .iter()
        .zip(&minus)
        .map(|(a, b)| (a - b) / (2.0 * h))
        .collect();
    (hv, margin)
}

/// `_hvp` along `t` against the reference's `H v` (see [`HVP_STEP`]), its value against the
/// function's. Points where the reference's `H v` is unreliable (a branch between the points
/// it evaluates, or its two steps disagreeing) are counted in `tally.hvp_rough` and not compared.
#[allow(clippy::too_many_arguments)]
fn check_hvp(
    p: &Program,
    x: &[f64],
    t: &[f64],
    scale: f64,
    run: &Run,
    hvp: &Hvp,
    bad: &mut Vec<String>,
    tally: &mut Tally,
) {
    // The same forward operations as the function's: its value to a few ulps.
    if ulps(hvp.value, run.plain) > MAX_ULPS {
        bad.push(format!("_hvp value {:e} vs fn {:e}", hvp.value, run.plain));
    }
    let twin = p.run64.is_some();
    let (fine, coarse) = if twin { HVP_STEP_TWIN } else { HVP_STEP };
    let (want, m_fine) = reference_hvp(p, x, t, fine, twin);
    let (check, m_coarse) = reference_hvp(p, x, t, coarse, twin);
    // The second derivatives' scale: `H v` sums `n` terms `H_kj v_j`, as `_jvp`'s tangent does.
    let h_scale = want
        .iter()
        .filter(|w| !w.is_nan())
        .fold(scale, |s, w| s.max(w.abs()))
        * t.iter().map(|t| t.abs()).sum::<f64>();
    if m_fine.min(m_coarse) < MIN_MARGIN / 2.0
        || want
            .iter()
            .zip(&check)
            .any(|(&w, &c)| !w.is_nan() && !close(c, w, h_scale))
    {
        tally.hvp_rough += 1;
        return;
    }
    tally.hvp_points += 1;
    for (k, (&got, &w)) in hvp.hv.iter().zip(&want).enumerate() {
        if got.is_nan() {
            continue;
        }
        let used = (got as f64 - w).abs() / tolerance(w, h_scale);
        tally.hvp_worst = tally.hvp_worst.max(used);
        if !close(got as f64, w, h_scale) {
            bad.push(format!("_hvp (H v)[{k}] = {got} vs numeric {w}"));
        }
    }
}

fn points_per_program() -> usize {
    std::env::var("DIFFTEST_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn run_all() -> Tally {
    let points = points_per_program();
    let mut tally = Tally::default();
    for (k, p) in CHUNKS.iter().copied().flatten().enumerate() {
        check(p, points_seed(FIRST + k), points, &mut tally);
    }
    tally
}

/// The sample points' seed of program `pn`: its chunk of 100 times 1000 plus its place in the
/// chunk, as in every run recorded in the README, whether it was written whole or by ranges.
fn points_seed(n: usize) -> u64 {
    ((n / 100) * 1000 + n % 100) as u64
}

/// `p1644` of seed 4242, whose `f32` gradient is the exact derivative of its `f32` computation
/// and 3% off the `f64` one at its second point: the point is skipped as too rough, not reported.
#[allow(unused, clippy::all, clippy::pedantic)]
mod seed_4242 {
    use super::*;
    include!("difftest_cases/p1644.rs");
}

#[test]
fn a_chaotic_program_is_skipped_as_too_rough_not_reported_as_a_mismatch() {
    let p = Program {
        name: "p1644",
        inputs: 4,
        run: seed_4242::p1644_run,
        run64: None,
        reference: seed_4242::p1644_ref_flat,
    };
    let mut tally = Tally::default();
    // The points of its place in the seed 4242 run.
    check(&p, points_seed(1644), 3, &mut tally);
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    assert_eq!((tally.points, tally.rough), (3, 1));
}

#[test]
fn generated_gradients_match_central_differences() {
    let tally = run_all();
    println!(
        "difftest: {} programs, {} points compared, {} points skipped near a branch, {} where the \
         reference is too rough for f32; {} points of f64 twins compared; _hvp compared at {} \
         points, {} where the reference's H v is too rough, the worst at {:.3} of its tolerance",
        tally.programs,
        tally.points,
        tally.skipped,
        tally.rough,
        tally.points64,
        tally.hvp_points,
        tally.hvp_rough,
        tally.hvp_worst
    );
    assert!(tally.points64 > 0, "no f64 twin was compared");
    assert!(
        tally.hvp_points >= tally.hvp_rough,
        "too many _hvp points skipped as rough: the steps are wrong"
    );
    assert!(
        tally.points >= tally.programs,
        "too many points skipped: the margins are too strict"
    );
    assert!(
        tally.failures.is_empty(),
        "{} mismatches:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
}
