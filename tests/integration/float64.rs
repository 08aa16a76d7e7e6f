//! Functions written over `f64` are differentiated in `f64`: a spring chain's energy minimised
//! with Adam (its gradient against `f64` central differences and PyTorch float64), and `f64`
//! versions of the maths methods, a recurrence, a call, a method on a struct, whole-array
//! assignment, split mode and forward mode, each against central differences at 1e-8.
// Some functions here are only called through their generated derivatives.
#![allow(dead_code)]
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use backprop::differentiable;
use backprop::optim::{Adam, AdamConfig, Optimizer};
use serde_json::Value;

/// The chain: 6 masses in the plane, the two ends held, joined by 5 springs.
const MASSES: usize = 6;
const STIFFNESS: f64 = 40.0;
const REST: f64 = 0.8;
const WEIGHT: f64 = 1.5;

/// The elastic energy of the springs plus the masses' potential energy.
#[differentiable]
fn chain_energy(p: &[[f64; 2]; MASSES]) -> f64 {
    let mut e = 0.0;
    for i in 0..MASSES - 1 {
        let dx = p[i + 1][0] - p[i][0];
        let dy = p[i + 1][1] - p[i][1];
        let stretch = (dx * dx + dy * dy).sqrt() - REST;
        e += 0.5 * STIFFNESS * stretch * stretch;
    }
    for i in 0..MASSES {
        e += WEIGHT * p[i][1];
    }
    e
}

/// `f`'s gradient at `x` by central differences of step `h`, in `f64`.
fn central<const N: usize>(x: [f64; N], h: f64, f: impl Fn([f64; N]) -> f64) -> [f64; N] {
    core::array::from_fn(|i| {
        let (mut hi, mut lo) = (x, x);
        hi[i] += h;
        lo[i] -= h;
        (f(hi) - f(lo)) / (2.0 * h)
    })
}

/// `got` and `want` agree to `tol`, relative to the largest of `want` (and at least 1).
fn assert_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    let scale = want.iter().fold(1.0f64, |m, w| m.max(w.abs()));
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * scale,
            "{what}[{i}]: {g} vs {w} (tolerance {tol} x {scale})"
        );
    }
}

fn flat(p: &[[f64; 2]; MASSES]) -> [f64; 2 * MASSES] {
    core::array::from_fn(|i| p[i / 2][i % 2])
}

fn unflat(x: [f64; 2 * MASSES]) -> [[f64; 2]; MASSES] {
    core::array::from_fn(|i| [x[2 * i], x[2 * i + 1]])
}

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/f64.json"
    ))
    .expect("tests/fixtures/f64.json (scripts/f64_fixtures.py)");
    serde_json::from_str(&text).expect("valid JSON")
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("an array")
        .iter()
        .flat_map(|x| match x.as_array() {
            Some(row) => row.iter().map(|y| y.as_f64().expect("a number")).collect(),
            None => vec![x.as_f64().expect("a number")],
        })
        .collect()
}

fn start() -> [[f64; 2]; MASSES] {
    let fx = fixture();
    let p = floats(&fx["chain"]["start"]);
    unflat(core::array::from_fn(|i| p[i]))
}

#[test]
fn chain_gradient_matches_central_differences_to_1e_8() {
    let p = start();
    let mut grad = [[0.0f64; 2]; MASSES];
    let value = chain_energy_grad(&p, &mut grad);
    assert_eq!(value, chain_energy(&p));
    let fd = central(flat(&p), 1e-5, |x| chain_energy(&unflat(x)));
    assert_close("d energy", &flat(&grad), &fd, 1e-8);
}

#[test]
fn chain_value_and_gradient_match_pytorch_float64() {
    let fx = fixture();
    let p = start();
    let mut grad = [[0.0f64; 2]; MASSES];
    let value = chain_energy_grad(&p, &mut grad);
    let want = fx["chain"]["energy"].as_f64().expect("energy");
    assert!(
        (value - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{value} vs {want}"
    );
    assert_close(
        "d energy",
        &flat(&grad),
        &floats(&fx["chain"]["grad"]),
        1e-12,
    );
}

#[test]
fn adam_in_f64_finds_the_chains_equilibrium() {
    let fx = fixture();
    let mut p = start();
    let config = AdamConfig {
        lr: 0.01,
        ..Default::default()
    };
    let mut opt = Adam::<[[f64; 2]; MASSES], 1, f64>::new(config).expect("a valid config");
    let mut grad = [[0.0f64; 2]; MASSES];
    for step in 0..20_000 {
        grad = [[0.0; 2]; MASSES];
        chain_energy_grad(&p, &mut grad);
        // The ends are held.
        grad[0] = [0.0; 2];
        grad[MASSES - 1] = [0.0; 2];
        if step > 0 && flat(&grad).iter().all(|g| g.abs() < 1e-10) {
            break;
        }
        opt.step(&mut p, &grad);
    }
    assert!(
        flat(&grad).iter().all(|g| g.abs() < 1e-8),
        "not at rest: {grad:?}"
    );
    // PyTorch's equilibrium (L-BFGS on the same energy, float64).
    assert_close(
        "equilibrium",
        &flat(&p),
        &floats(&fx["chain"]["equilibrium"]),
        1e-7,
    );
}

// ---- f64 versions of other programs -------------------------------------------------------

#[differentiable]
fn maths(x: f64, y: f64) -> f64 {
    let a = x.exp() * y.sin() + (x * y).tanh();
    let b = (x * x + 1.0).ln() + y.powf(1.5) + x.atan2(y) + x.hypot(y);
    let c = (x / y).cbrt() + x.powi(3) * 0.25 - y.cos().sqrt() + x.mul_add(y, 0.5);
    a * b + c.max(x) - (y - 0.1).abs()
}

#[test]
fn maths_methods_in_f64() {
    let (x, y) = (0.7, 0.9);
    let (v, dx, dy) = maths_grad(x, y);
    assert_eq!(v, maths(x, y));
    let fd = central([x, y], 1e-5, |a| maths(a[0], a[1]));
    assert_close("maths", &[dx, dy], &fd, 1e-8);
}

/// A tanh recurrence over 8 steps: every overwritten `h` is restored in reverse.
#[differentiable]
fn recurrence(w: f64, u: f64, xs: &[f64; 8]) -> f64 {
    let mut h = 0.1;
    for t in 0..8 {
        h = (w * h + u * xs[t]).tanh();
    }
    h * h
}

#[test]
fn recurrence_in_f64() {
    let xs = [0.3, -0.2, 0.5, 0.9, -0.7, 0.1, 0.4, -0.5];
    let mut d_xs = [0.0; 8];
    let (v, dw, du) = recurrence_grad(0.8, 1.3, &xs, &mut d_xs);
    assert_eq!(v, recurrence(0.8, 1.3, &xs));
    let fd = central([0.8, 1.3], 1e-5, |a| recurrence(a[0], a[1], &xs));
    assert_close("d w, d u", &[dw, du], &fd, 1e-8);
    let fd = central(xs, 1e-5, |x| recurrence(0.8, 1.3, &x));
    assert_close("d xs", &d_xs, &fd, 1e-8);
}

#[differentiable]
fn spring(dx: f64, dy: f64) -> f64 {
    let stretch = (dx * dx + dy * dy).sqrt() - REST;
    0.5 * STIFFNESS * stretch * stretch
}

/// Calls another `f64` function, once per segment of a chain of 3 (through its `_fwd`).
#[differentiable]
fn chain_by_calls(p: &[[f64; 2]; 3]) -> f64 {
    let mut e = 0.0;
    for i in 0..2 {
        e += spring(p[i + 1][0] - p[i][0], p[i + 1][1] - p[i][1]);
    }
    e
}

#[test]
fn calls_between_f64_functions() {
    let p = [[0.0, 0.0], [0.9, -0.3], [1.7, 0.2]];
    let mut d_p = [[0.0; 2]; 3];
    let v = chain_by_calls_grad(&p, &mut d_p);
    assert_eq!(v, chain_by_calls(&p));
    let flat3 = |p: &[[f64; 2]; 3]| -> [f64; 6] { core::array::from_fn(|i| p[i / 2][i % 2]) };
    let fd = central(flat3(&p), 1e-5, |x| {
        chain_by_calls(&core::array::from_fn(|i| [x[2 * i], x[2 * i + 1]]))
    });
    assert_close("d p", &flat3(&d_p), &fd, 1e-8);
}

/// A struct of `f64` fields with a differentiable `&self` method, a parameter tree of `f64`.
#[derive(backprop::Parameters, Clone, Copy, Debug, PartialEq)]
struct Oscillator {
    stiffness: f64,
    damping: [f64; 2],
}

impl Oscillator {
    /// The energy after integrating a damped oscillator for 20 steps (a loop that overwrites
    /// two states each step).
    #[differentiable]
    fn energy(&self, x0: f64) -> f64 {
        let mut x = x0;
        let mut v = 0.0;
        for _ in 0..20 {
            let a = -self.stiffness * x - self.damping[0] * v - self.damping[1] * v * v * v;
            v += 0.05 * a;
            x += 0.05 * v;
        }
        0.5 * v * v + 0.5 * self.stiffness * x * x
    }
}

#[test]
fn method_of_an_f64_struct() {
    let m = Oscillator {
        stiffness: 3.0,
        damping: [0.2, 0.05],
    };
    let mut d_m = Oscillator {
        stiffness: 0.0,
        damping: [0.0; 2],
    };
    let (v, dx0) = m.energy_grad(&mut d_m, 1.2);
    assert_eq!(v, m.energy(1.2));
    let fd = central([3.0, 0.2, 0.05, 1.2], 1e-5, |a| {
        let m = Oscillator {
            stiffness: a[0],
            damping: [a[1], a[2]],
        };
        m.energy(a[3])
    });
    assert_close(
        "d stiffness, d damping, d x0",
        &[d_m.stiffness, d_m.damping[0], d_m.damping[1], dx0],
        &fd,
        1e-8,
    );
}

/// Whole-array assignment from a call and from an array expression, in `f64`.
#[differentiable]
fn rotate(a: f64, v: &[f64; 2]) -> [f64; 2] {
    [
        a.cos() * v[0] - a.sin() * v[1],
        a.sin() * v[0] + a.cos() * v[1],
    ]
}

#[differentiable]
fn spiral(a: f64, v0: &[f64; 2]) -> f64 {
    let mut v = *v0;
    for _ in 0..4 {
        v = rotate(a, &v);
        v = [1.1 * v[0], 0.9 * v[1]];
    }
    v[0] * v[0] + 2.0 * v[1]
}

#[test]
fn whole_array_updates_in_f64() {
    let v0 = [0.6, -0.4];
    let mut d_v0 = [0.0; 2];
    let (v, da) = spiral_grad(0.3, &v0, &mut d_v0);
    assert_eq!(v, spiral(0.3, &v0));
    let fd = central([0.3, v0[0], v0[1]], 1e-5, |x| spiral(x[0], &[x[1], x[2]]));
    assert_close("d a, d v0", &[da, d_v0[0], d_v0[1]], &fd, 1e-8);
}

#[test]
fn split_mode_and_vjp_in_f64() {
    let xs = [0.3, -0.2, 0.5, 0.9, -0.7, 0.1, 0.4, -0.5];
    let (value, pullback) = recurrence_fwd(0.8, 1.3, &xs);
    let mut d_xs = [0.0; 8];
    let (dw, du) = pullback(0.8, 1.3, &xs, Some(&mut d_xs), 2.0);
    let mut d_xs_grad = [0.0; 8];
    let (v, gw, gu) = recurrence_grad(0.8, 1.3, &xs, &mut d_xs_grad);
    assert_eq!(value, v);
    assert_close("pullback of 2", &[dw, du], &[2.0 * gw, 2.0 * gu], 1e-14);
    let doubled: Vec<f64> = d_xs_grad.iter().map(|g| 2.0 * g).collect();
    assert_close("pullback d xs", &d_xs, &doubled, 1e-14);
    let mut d_xs_vjp = [0.0; 8];
    let (_, vw, vu) = recurrence_vjp(0.8, 1.3, &xs, &mut d_xs_vjp, 1.0);
    assert_close("vjp", &[vw, vu], &[gw, gu], 1e-14);
}

#[differentiable(jvp, hvp)]
fn bowl(x: f64, y: f64) -> f64 {
    (x * x * y).sin() + 0.5 * y.exp() * x
}

#[test]
fn forward_mode_and_hvp_in_f64() {
    let (x, y) = (0.6, 0.4);
    let (v, t) = bowl_jvp(x, 1.0, y, 0.5);
    assert_eq!(v, bowl(x, y));
    let (_, dx, dy) = bowl_grad(x, y);
    assert_close("jvp", &[t], &[dx + 0.5 * dy], 1e-14);
    // The Hessian-vector product against central differences of the gradient.
    let (_, hx, hy) = bowl_hvp(x, 1.0, y, 0.5);
    let grad = |a: f64, b: f64| {
        let (_, gx, gy) = bowl_grad(a, b);
        [gx, gy]
    };
    let h = 1e-5;
    let (hi, lo) = (grad(x + h, y + 0.5 * h), grad(x - h, y - 0.5 * h));
    let fd = [(hi[0] - lo[0]) / (2.0 * h), (hi[1] - lo[1]) / (2.0 * h)];
    assert_close("hvp", &[hx, hy], &fd, 1e-8);
}

#[test]
fn gradcheck_on_an_f64_model_with_f64_tolerances() {
    use backprop::gradcheck::{check_gradient, Tolerance};
    let m = Oscillator {
        stiffness: 3.0,
        damping: [0.2, 0.05],
    };
    let f = |m: &Oscillator| m.energy(1.2);
    let grad = |m: &Oscillator, d: &mut Oscillator| m.energy_grad(d, 1.2).0;
    let tol = Tolerance::for_float::<f64>();
    let report = check_gradient(f, grad, &m, tol).expect("the f64 gradient passes");
    assert_eq!((report.checked, report.failures), (3, 0));
    // The f64 tolerance is tight enough to catch an error an f32 check would pass: a gradient
    // off by one part in 1e5.
    let off = |m: &Oscillator, d: &mut Oscillator| {
        let v = m.energy_grad(d, 1.2).0;
        d.stiffness *= 1.0 + 1e-5;
        v
    };
    assert!(check_gradient(f, off, &m, tol).is_err());
    assert!(check_gradient(f, off, &m, Tolerance::default()).is_ok());
}

#[differentiable(check_finite)]
fn log_distance(dx: f64, dy: f64) -> f64 {
    (dx * dx + dy * dy).sqrt().ln()
}

#[test]
fn check_finite_in_f64_names_the_adjoint() {
    let (v, gx, gy) = log_distance_grad(0.3, 0.4).expect("finite at (0.3, 0.4)");
    assert_close(
        "d log r",
        &[v, gx, gy],
        &[0.5f64.ln(), 0.3 / 0.25, 0.4 / 0.25],
        1e-15,
    );
    let err = log_distance_grad(0.0, 0.0).expect_err("infinite at the origin");
    assert_eq!(err.function, "log_distance");
    assert!(!err.value.is_finite(), "{err}");
}
