//! Forward mode and second order against the value and the gradient: `_jvp` / value and
//! `_hvp` / `_grad` on the `scalar_grad` functions and ADBench's GMM (n = 4), and a full
//! Hessian of a function of ten inputs against ten HVPs.
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
use backprop::jacobian::hessian;
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

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and skips the timing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    println!("fastest of 400 interleaved batches of 500 calls:");
    expression_ratios();
    recurrence_ratios();
    dense_ratios();
    gmm_ratios!("gmm d=2 K=5 n=4", "gmm_d2", 2, 3);
    gmm_ratios!("gmm d=10 K=5 n=4", "gmm_d10", 10, 55);
    hessian_ratio();
}
