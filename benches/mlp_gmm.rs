//! Generated against hand-written gradients (Model0's cross-entropy, ADBench's GMM), and the
//! GMM's gradient/value time ratio.
//!
//! `cargo bench --bench mlp_gmm`; numbers in `docs/benchmarks-loops.md`. After Criterion's
//! report, the ratios are measured once more by interleaving the contenders batch by batch and
//! keeping each one's fastest batch, which holds up on a busy machine where means do not.

#[path = "interleaved.rs"]
mod interleaved;
#[path = "../tests/integration/loops/programs/mod.rs"]
mod loop_common;

use backprop::Zero;
use criterion::{criterion_group, Criterion};
use interleaved::interleaved_min;
use loop_common::gmm::*;
use loop_common::mlp::*;
use loop_common::{gmm_inputs, model0_inputs, GmmInputs};
use std::hint::black_box;

fn mlp(c: &mut Criterion) {
    let (m, x, targets) = model0_inputs();
    let mut g = Model0::zero();
    let mut group = c.benchmark_group("model0_cross_entropy");
    group.bench_function("value", |b| {
        b.iter(|| model0_loss(black_box(&m), black_box(&x), black_box(&targets)))
    });
    group.bench_function("generated_grad", |b| {
        b.iter(|| model0_loss_grad(black_box(&m), &mut g, black_box(&x), black_box(&targets)))
    });
    group.bench_function("hand_grad", |b| {
        b.iter(|| model0_loss_grad_hand(black_box(&m), &mut g, black_box(&x), black_box(&targets)))
    });
    group.finish();
    black_box(g);
}

macro_rules! gmm_bench {
    ($fn:ident, $group:literal, $fixture:literal, $d:literal, $l:literal) => {
        fn $fn(c: &mut Criterion) {
            let p: GmmInputs<$d, 5, 4, $l> = gmm_inputs($fixture);
            let GmmInputs {
                alphas,
                means,
                icf,
                x,
                gamma,
                m,
                constant: k,
            } = p;
            let (mut da, mut dm, mut di) = ([0.0f32; 5], [[0.0f32; $d]; 5], [[0.0f32; $l]; 5]);
            let mut group = c.benchmark_group($group);
            group.bench_function("value", |b| {
                b.iter(|| {
                    gmm_objective(
                        black_box(&alphas),
                        black_box(&means),
                        black_box(&icf),
                        black_box(&x),
                        gamma,
                        m,
                        k,
                    )
                })
            });
            group.bench_function("generated_grad", |b| {
                b.iter(|| {
                    gmm_objective_grad(
                        black_box(&alphas),
                        &mut da,
                        black_box(&means),
                        &mut dm,
                        black_box(&icf),
                        &mut di,
                        black_box(&x),
                        gamma,
                        m,
                        k,
                    )
                })
            });
            group.bench_function("hand_grad", |b| {
                b.iter(|| {
                    gmm_grad_hand(
                        black_box(&alphas),
                        &mut da,
                        black_box(&means),
                        &mut dm,
                        black_box(&icf),
                        &mut di,
                        black_box(&x),
                        gamma,
                        m,
                        k,
                    )
                })
            });
            group.finish();
            black_box((da, dm, di));
        }
    };
}

gmm_bench!(gmm_d2_bench, "gmm_d2_k5_n4", "gmm_d2", 2, 3);
gmm_bench!(gmm_d10_bench, "gmm_d10_k5_n4", "gmm_d10", 10, 55);

criterion_group!(benches, mlp, gmm_d2_bench, gmm_d10_bench);

fn report(name: &str, [value, generated, hand]: [f64; 3]) {
    println!(
        "{name:<16} value {value:8.1} ns  generated {generated:8.1} ns  hand {hand:8.1} ns  \
         generated/hand {:.2}  generated/value {:.2}  hand/value {:.2}",
        generated / hand,
        generated / value,
        hand / value
    );
}

fn ratios() {
    println!("\ninterleaved, fastest of 400 batches of 500 calls:");
    let (m, x, targets) = model0_inputs();
    let mut g = Model0::zero();
    let mut g2 = Model0::zero();
    report(
        "model0",
        interleaved_min(
            500,
            400,
            [
                &mut || {
                    black_box(model0_loss(
                        black_box(&m),
                        black_box(&x),
                        black_box(&targets),
                    ));
                },
                &mut || {
                    black_box(model0_loss_grad(
                        black_box(&m),
                        &mut g,
                        black_box(&x),
                        &targets,
                    ));
                },
                &mut || {
                    black_box(model0_loss_grad_hand(
                        black_box(&m),
                        &mut g2,
                        black_box(&x),
                        &targets,
                    ));
                },
            ],
        ),
    );
    macro_rules! gmm_ratio {
        ($label:literal, $fixture:literal, $d:literal, $l:literal) => {{
            let p: GmmInputs<$d, 5, 4, $l> = gmm_inputs($fixture);
            let GmmInputs {
                alphas,
                means,
                icf,
                x,
                gamma,
                m,
                constant: k,
            } = p;
            let (mut da, mut dm, mut di) = ([0.0f32; 5], [[0.0f32; $d]; 5], [[0.0f32; $l]; 5]);
            let (mut ha, mut hm, mut hi) = ([0.0f32; 5], [[0.0f32; $d]; 5], [[0.0f32; $l]; 5]);
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
                                k,
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
                                k,
                            ));
                        },
                        &mut || {
                            black_box(gmm_grad_hand(
                                black_box(&alphas),
                                &mut ha,
                                &means,
                                &mut hm,
                                &icf,
                                &mut hi,
                                &x,
                                gamma,
                                m,
                                k,
                            ));
                        },
                    ],
                ),
            );
        }};
    }
    gmm_ratio!("gmm d=2 K=5 n=4", "gmm_d2", 2, 3);
    gmm_ratio!("gmm d=10 K=5 n=4", "gmm_d10", 10, 55);
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and skips this
    if std::env::args().any(|a| a == "--bench") {
        ratios();
    }
}
