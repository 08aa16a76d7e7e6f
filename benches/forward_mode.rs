//! Forward mode and second order against the value and the gradient: `_jvp` / value and
//! `_hvp` / `_grad` on the `scalar_grad` functions and ADBench's GMM (n = 4), a full
//! Hessian of a function of ten inputs against ten HVPs, and the K-tangent form `_jvpk` against
//! `K` single `_jvp` calls and reverse mode for K = 2, 4, 8 (the `scalar_grad` functions, and
//! the Jacobian of an MLP of `K` inputs).
//!
//! `taskset -c 0 cargo bench --bench forward_mode`; figures in `docs/benchmarks-forward.md`.
//! Each contender's fastest of 400 interleaved batches, which holds up on a busy machine.

#[path = "scalar_grad/functions.rs"]
#[allow(dead_code)]
mod functions;
#[path = "interleaved.rs"]
mod interleaved;
#[path = "../tests/integration/loops/programs/mod.rs"]
mod loop_common;

use backprop::differentiable;
use backprop::jacobian::{hessian, jacobian_fwd, jacobian_rev};
use backprop::nn::Linear;
use backprop::ops::tanh;
use backprop::Parameters;
use functions::*;
use interleaved::interleaved_min;
use loop_common::gmm::*;
use loop_common::{gmm_inputs, GmmInputs};
use std::hint::black_box;

fn report(name: &str, [value, jvp, grad, hvp]: [f64; 4]) {
    println!(
        "{name:<18} value {value:7.1} ns  jvp {jvp:7.1} ns  grad {grad:7.1} ns  hvp {hvp:7.1} ns  \
         jvp/value {:.2}  hvp/grad {:.2}",
        jvp / value,
        hvp / grad
    );
}

fn expression_ratios() {
    let (x, y) = (0.3f32, -0.7f32);
    report(
        "expression",
        interleaved_min(
            500,
            400,
            [
                &mut || {
                    black_box(expression(black_box(x), black_box(y)));
                },
                &mut || {
                    black_box(expression_jvp(black_box(x), 1.0, black_box(y), 0.5));
                },
                &mut || {
                    black_box(expression_grad(black_box(x), black_box(y)));
                },
                &mut || {
                    black_box(expression_hvp(black_box(x), 1.0, black_box(y), 0.5));
                },
            ],
        ),
    );
}

fn recurrence_ratios() {
    let (w, x) = (0.7f32, RECURRENCE_X);
    let v = [0.1f32, -0.2, 0.3, 0.4, -0.5, 0.6];
    let (mut d_x, mut hv_x) = ([0.0f32; 6], [0.0f32; 6]);
    report(
        "recurrence",
        interleaved_min(
            500,
            400,
            [
                &mut || {
                    black_box(recurrence(black_box(w), black_box(&x)));
                },
                &mut || {
                    black_box(recurrence_jvp(black_box(w), 1.0, black_box(&x), &v));
                },
                &mut || {
                    black_box(recurrence_grad(black_box(w), black_box(&x), &mut d_x));
                },
                &mut || {
                    black_box(recurrence_hvp(black_box(w), 1.0, &x, &v, &mut hv_x));
                },
            ],
        ),
    );
}

fn dense_ratios() {
    let (w, bias, x, y) = dense_inputs();
    let (w_dot, b_dot) = (w, bias);
    let (mut d_w, mut d_b) = ([[0.0f32; IN]; OUT], [0.0f32; OUT]);
    let (mut hv_w, mut hv_b) = ([[0.0f32; IN]; OUT], [0.0f32; OUT]);
    report(
        "dense",
        interleaved_min(
            500,
            400,
            [
                &mut || {
                    black_box(dense_loss(black_box(&w), &bias, &x, &y));
                },
                &mut || {
                    black_box(dense_loss_jvp(
                        black_box(&w),
                        &w_dot,
                        &bias,
                        &b_dot,
                        &x,
                        &[0.0; IN],
                        &y,
                        &[0.0; OUT],
                    ));
                },
                &mut || {
                    black_box(dense_loss_grad(
                        black_box(&w),
                        &mut d_w,
                        &bias,
                        &mut d_b,
                        &x,
                        &y,
                    ));
                },
                &mut || {
                    black_box(dense_loss_hvp(
                        black_box(&w),
                        &w_dot,
                        &mut hv_w,
                        &bias,
                        &b_dot,
                        &mut hv_b,
                        &x,
                        &[0.0; IN],
                        &y,
                        &[0.0; OUT],
                    ));
                },
            ],
        ),
    );
}

macro_rules! gmm_ratios {
    ($label:literal, $fixture:literal, $d:literal, $l:literal) => {{
        let GmmInputs {
            alphas,
            means,
            icf,
            x,
            gamma,
            m,
            constant,
        }: GmmInputs<$d, 5, 4, $l> = gmm_inputs($fixture);
        // The tangent: every parameter moved; the data and the constants held.
        let (alphas_dot, means_dot, icf_dot) = (alphas, means, icf);
        let (mut da, mut dm, mut di) = ([0.0f32; 5], [[0.0f32; $d]; 5], [[0.0f32; $l]; 5]);
        let (mut ha, mut hm, mut hi) = ([0.0f32; 5], [[0.0f32; $d]; 5], [[0.0f32; $l]; 5]);
        let x_dot = [[0.0f32; $d]; 4];
        report(
            $label,
            interleaved_min(
                500,
                400,
                [
                    &mut || {
                        black_box(gmm_objective(
                            black_box(&alphas),
                            &means,
                            &icf,
                            &x,
                            gamma,
                            m,
                            constant,
                        ));
                    },
                    &mut || {
                        black_box(gmm_objective_jvp(
                            black_box(&alphas),
                            &alphas_dot,
                            &means,
                            &means_dot,
                            &icf,
                            &icf_dot,
                            &x,
                            &x_dot,
                            gamma,
                            0.0,
                            m,
                            0.0,
                            constant,
                            0.0,
                        ));
                    },
                    &mut || {
                        black_box(gmm_objective_grad(
                            black_box(&alphas),
                            &mut da,
                            &means,
                            &mut dm,
                            &icf,
                            &mut di,
                            &x,
                            gamma,
                            m,
                            constant,
                        ));
                    },
                    &mut || {
                        black_box(gmm_objective_hvp(
                            black_box(&alphas),
                            &alphas_dot,
                            &mut ha,
                            &means,
                            &means_dot,
                            &mut hm,
                            &icf,
                            &icf_dot,
                            &mut hi,
                            &x,
                            &x_dot,
                            gamma,
                            0.0,
                            m,
                            0.0,
                            constant,
                            0.0,
                        ));
                    },
                ],
            ),
        );
    }};
}

/// The extended Rosenbrock function of ten inputs: a Hessian with a band of three.
#[differentiable(hvp)]
fn rosenbrock10(p: &[f32; 10]) -> f32 {
    let mut s = 0.0;
    for i in 0..9 {
        let a = 1.0 - p[i];
        let b = p[i + 1] - p[i] * p[i];
        s += a * a + 100.0 * b * b;
    }
    s
}

fn hessian_ratio() {
    let p: [f32; 10] = core::array::from_fn(|i| 0.1 * i as f32 - 0.3);
    let mut unused = [0.0f32; 10];
    let value = rosenbrock10_hvp(&p, &[0.0; 10], &mut unused);
    assert_eq!(
        value,
        rosenbrock10(&p),
        "the HVP returns the function's value"
    );
    let [full, columns] = interleaved_min(
        500,
        400,
        [
            &mut || {
                black_box(hessian(rosenbrock10_hvp, black_box(&p)));
            },
            &mut || {
                for j in 0..10 {
                    let mut e = [0.0f32; 10];
                    e[j] = 1.0;
                    let mut column = [0.0f32; 10];
                    black_box(rosenbrock10_hvp(black_box(&p), &e, &mut column));
                    black_box(column);
                }
            },
        ],
    );
    println!(
        "hessian n=10       full {full:7.1} ns  ten hvps {columns:7.1} ns  full/ten hvps {:.2}",
        full / columns
    );
}

fn report_k(name: &str, k: usize, [kform, singles, reverse]: [f64; 3], reverse_name: &str) {
    println!(
        "{name:<12} K={k}  jvpk {kform:7.1} ns  {k} jvps {singles:7.1} ns  {reverse_name} \
         {reverse:7.1} ns  {k} jvps/jvpk {:.2}  jvpk/{reverse_name} {:.2}",
        singles / kform,
        kform / reverse
    );
}

/// `K` tangents of a fixed pattern, different in each lane.
fn lanes<const N: usize, const K: usize>(seed: f32) -> [[f32; N]; K] {
    core::array::from_fn(|k| core::array::from_fn(|i| ((seed + (k * N + i) as f32) * 0.73).sin()))
}

fn expression_k<const K: usize>() {
    let (x, y) = (0.3f32, -0.7f32);
    let [dx, dy] = [lanes::<K, 1>(1.0)[0], lanes::<K, 1>(2.0)[0]];
    let times = interleaved_min(
        500,
        400,
        [
            &mut || {
                black_box(expression_jvpk(black_box(x), dx, black_box(y), dy));
            },
            &mut || {
                for k in 0..K {
                    black_box(expression_jvp(black_box(x), dx[k], black_box(y), dy[k]));
                }
            },
            &mut || {
                black_box(expression_grad(black_box(x), black_box(y)));
            },
        ],
    );
    report_k("expression", K, times, "grad");
}

fn recurrence_k<const K: usize>() {
    let (w, x) = (0.7f32, RECURRENCE_X);
    let dw = lanes::<K, 1>(3.0)[0];
    let dx = lanes::<6, K>(4.0);
    let dx_refs: [&[f32; 6]; K] = core::array::from_fn(|k| &dx[k]);
    let mut d_x = [0.0f32; 6];
    let times = interleaved_min(
        500,
        400,
        [
            &mut || {
                black_box(recurrence_jvpk(black_box(w), dw, black_box(&x), dx_refs));
            },
            &mut || {
                for k in 0..K {
                    black_box(recurrence_jvp(black_box(w), dw[k], black_box(&x), &dx[k]));
                }
            },
            &mut || {
                black_box(recurrence_grad(black_box(w), black_box(&x), &mut d_x));
            },
        ],
    );
    report_k("recurrence", K, times, "grad");
}

fn dense_k<const K: usize>() {
    let (w, bias, x, y) = dense_inputs();
    let dw: [[[f32; IN]; OUT]; K] = core::array::from_fn(|k| lanes::<IN, OUT>(k as f32 * 40.0));
    let db = lanes::<OUT, K>(5.0);
    let (zx, zy) = ([0.0f32; IN], [0.0f32; OUT]);
    let dw_refs: [&[[f32; IN]; OUT]; K] = core::array::from_fn(|k| &dw[k]);
    let db_refs: [&[f32; OUT]; K] = core::array::from_fn(|k| &db[k]);
    let (mut d_w, mut d_b) = ([[0.0f32; IN]; OUT], [0.0f32; OUT]);
    let times = interleaved_min(
        500,
        400,
        [
            &mut || {
                black_box(dense_loss_jvpk(
                    black_box(&w),
                    dw_refs,
                    &bias,
                    db_refs,
                    &x,
                    [&zx; K],
                    &y,
                    [&zy; K],
                ));
            },
            &mut || {
                for k in 0..K {
                    black_box(dense_loss_jvp(
                        black_box(&w),
                        &dw[k],
                        &bias,
                        &db[k],
                        &x,
                        &zx,
                        &y,
                        &zy,
                    ));
                }
            },
            &mut || {
                black_box(dense_loss_grad(
                    black_box(&w),
                    &mut d_w,
                    &bias,
                    &mut d_b,
                    &x,
                    &y,
                ));
            },
        ],
    );
    report_k("dense", K, times, "grad");
}

/// A two-layer tanh MLP of `IN` inputs, for its Jacobian in the input.
#[derive(Clone, Copy, Parameters)]
struct Mlp<const IN: usize> {
    l1: Linear<IN, 32>,
    l2: Linear<32, 16>,
}

impl<const IN: usize> Mlp<IN> {
    #[differentiable(jvp)]
    fn forward(&self, x: &[f32; IN]) -> [f32; 16] {
        let h = tanh(&self.l1.forward(x));
        tanh(&self.l2.forward(&h))
    }
}

/// The Jacobian of the MLP in its `K` inputs: one K-form pass (`jacobian_fwd`), `K` `_jvp`
/// calls, or 16 reverse passes (`jacobian_rev`, each `forward_fwd` and its pullback with no
/// shadow for the weights).
fn mlp_k<const K: usize>() {
    let mlp = Mlp::<K> {
        l1: Linear::from_parts(lanes::<K, 32>(6.0), lanes::<32, 1>(7.0)[0]),
        l2: Linear::from_parts(lanes::<32, 16>(8.0), lanes::<16, 1>(9.0)[0]),
    };
    let fixed: Mlp<K> = backprop::Zero::zero();
    let x = lanes::<K, 1>(10.0)[0];
    let jvpk = |x: &[f32; K], x_dot: [&[f32; K]; K]| mlp.forward_jvpk([&fixed; K], x, x_dot);
    let vjp = |x: &[f32; K], d_x: &mut [f32; K], d_out: &[f32; 16]| {
        let (y, pullback) = mlp.forward_fwd(x);
        pullback(&mlp, None, x, Some(d_x), d_out);
        y
    };
    let units: [[f32; K]; K] =
        core::array::from_fn(|j| core::array::from_fn(|i| f32::from(i == j)));
    assert_eq!(jvpk(&x, [&x; K]).0, mlp.forward(&x), "the K-form's value");
    let (fwd, rev) = (jacobian_fwd(jvpk, &x), jacobian_rev(vjp, &x));
    for (a, b) in fwd.iter().flatten().zip(rev.iter().flatten()) {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    let times = interleaved_min(
        200,
        400,
        [
            &mut || {
                black_box(jacobian_fwd(jvpk, black_box(&x)));
            },
            &mut || {
                for u in &units {
                    black_box(mlp.forward_jvp(&fixed, black_box(&x), u));
                }
            },
            &mut || {
                black_box(jacobian_rev(vjp, black_box(&x)));
            },
        ],
    );
    report_k("mlp K-16", K, times, "jacobian_rev");
}

fn k_tangents() {
    expression_k::<2>();
    expression_k::<4>();
    expression_k::<8>();
    recurrence_k::<2>();
    recurrence_k::<4>();
    recurrence_k::<8>();
    dense_k::<2>();
    dense_k::<4>();
    dense_k::<8>();
    mlp_k::<2>();
    mlp_k::<4>();
    mlp_k::<8>();
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and skips the timing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if std::env::args().any(|a| a == "k_tangents") {
        k_tangents();
        return;
    }
    println!("fastest of 400 interleaved batches of 500 calls:");
    expression_ratios();
    recurrence_ratios();
    dense_ratios();
    gmm_ratios!("gmm d=2 K=5 n=4", "gmm_d2", 2, 3);
    gmm_ratios!("gmm d=10 K=5 n=4", "gmm_d10", 10, 55);
    hessian_ratio();
    k_tangents();
}
