//! Differential test: random programs inside the supported subset, each written twice by
//! `backprop-difftest` (as a `#[differentiable]` function over `f32`, and as a plain function
//! over `f64` with the same structure). The generated `_grad` and `_vjp` must agree with central
//! differences of the `f64` version at random points away from every branch boundary.
//!
//! A longer run with other programs:
//! `cargo run -p backprop-difftest -- --seed 7 --count 5000 && cargo test --release --test difftest`
//! (and `cargo run -p backprop-difftest` to restore the committed set). `DIFFTEST_POINTS=20`
//! tries more points per program.
use backprop::differentiable;

/// One generated program, through its flat harness.
pub struct Program {
    /// `pN`: find it in `tests/generated/`.
    pub name: &'static str,
    /// How many `f32` inputs (scalars and array elements, in parameter order).
    pub inputs: usize,
    /// Calls `_grad`, `_vjp` and the function itself.
    pub run: fn(&[f32]) -> Run,
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

#[differentiable]
pub fn h_sq(x: f32) -> f32 {
    x * x
}
fn h_sq_ref(x: f64, _m: &mut f64) -> f64 {
    x * x
}

#[differentiable]
pub fn h_mix(x: f32, y: f32) -> f32 {
    (x * y).tanh() + 0.5 * x - y.sin()
}
fn h_mix_ref(x: f64, y: f64, _m: &mut f64) -> f64 {
    (x * y).tanh() + 0.5 * x - y.sin()
}

#[differentiable]
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

#[differentiable]
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

#[differentiable]
pub fn h_lift(x: f32, y: f32) -> [f32; 3] {
    [x * y, x.sin(), (y * 2.0).tanh()]
}
fn h_lift_ref(x: f64, y: f64, _m: &mut f64) -> [f64; 3] {
    [x * y, x.sin(), (y * 2.0).tanh()]
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

/// Central differences of the reference, in `f64`.
fn numeric_gradient(p: &Program, x: &[f64]) -> Vec<f64> {
    let mut scratch = f64::INFINITY;
    (0..x.len())
        .map(|k| {
            let h = 1e-6 * x[k].abs().max(1.0);
            let mut xp = x.to_vec();
            xp[k] += h;
            let mut xm = x.to_vec();
            xm[k] -= h;
            ((p.reference)(&xp, &mut scratch) - (p.reference)(&xm, &mut scratch)) / (2.0 * h)
        })
        .collect()
}

/// `got` agrees with `want` up to `f32` rounding through the program, relative to the
/// gradient's overall scale (a wrong rule gives an error of the order of the gradient itself).
fn close(got: f64, want: f64, scale: f64) -> bool {
    (got - want).abs() <= 2e-3 * want.abs() + 5e-4 * scale
}

#[derive(Default)]
struct Tally {
    programs: usize,
    points: usize,
    skipped: usize,
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
        done += 1;
        tally.points += 1;
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let run = (p.run)(&xf);
        let want = numeric_gradient(p, &x);
        let scale = want.iter().fold(1.0f64, |s, g| s.max(g.abs()));
        let vscale = 1.0 + want_value.abs() + scale;
        let mut bad = Vec::new();
        if !close(run.value as f64, want_value, vscale) {
            bad.push(format!("_grad value {} vs {want_value}", run.value));
        }
        if run.value != run.plain || run.vjp_value != run.plain {
            // Same operations in the same order: the forward pass must be bit-identical.
            if !close(run.value as f64, run.plain as f64, vscale) {
                bad.push(format!(
                    "values: fn {} _grad {} _vjp {}",
                    run.plain, run.value, run.vjp_value
                ));
            }
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

fn points_per_program() -> usize {
    std::env::var("DIFFTEST_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn run_all() -> Tally {
    let points = points_per_program();
    let mut tally = Tally::default();
    for (c, chunk) in CHUNKS.iter().enumerate() {
        for (i, p) in chunk.iter().enumerate() {
            check(p, (c * 1000 + i) as u64, points, &mut tally);
        }
    }
    tally
}

#[test]
fn generated_gradients_match_central_differences() {
    let tally = run_all();
    println!(
        "difftest: {} programs, {} points compared, {} points skipped near a branch",
        tally.programs, tally.points, tally.skipped
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
