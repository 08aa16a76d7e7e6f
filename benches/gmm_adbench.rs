//! ADBench's GMM at its own sizes (K = 5; d = 2 and 10; n = 1,000 and 10,000), on ADBench's
//! input files (`data/adbench-gmm/`): the objective, its generated gradient (the default, which
//! reverses each point in the same pass; `loops = store`, which stores every point; and
//! `loops = recompute`, which replays them) and the gradient written by hand, one point at a
//! time and four points at a time (the reverse in lanes), the objective being
//! `tests/integration/loops/programs/gmm.rs` as a user writes it
//! (`#[differentiable(wrt(alphas, means, icf))]`).
//!
//! `taskset -c 0 cargo bench --bench gmm_adbench`, and for JAX and PyTorch on the same files
//! `taskset -c 0 python3 scripts/bench_gmm_adbench.py`; method and numbers in
//! `docs/benchmarks-gmm.md`. After Criterion's report the contenders are timed once more,
//! interleaved batch by batch, keeping each one's fastest batch and the median batch.

#[path = "../tests/integration/loops/programs/mod.rs"]
mod loop_common;

use criterion::Criterion;
use loop_common::adbench::{adbench_gmm, AdbenchGmm};
use loop_common::gmm::*;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// A gradient contender: `grad` on the instance's inputs, into its own gradient buffers.
macro_rules! gradient {
    ($grad:ident, $d:literal, $l:literal, $inputs:expr) => {{
        let (alphas, means, icf, x, gamma, m, k) = $inputs;
        let (mut da, mut dm, mut di) = ([0.0f32; 5], [[0.0f32; $d]; 5], [[0.0f32; $l]; 5]);
        move || {
            black_box($grad(
                black_box(alphas),
                &mut da,
                means,
                &mut dm,
                icf,
                &mut di,
                x,
                gamma,
                m,
                k,
            ));
        }
    }};
}

macro_rules! instance {
    ($c:ident, $name:literal, $file:literal, $d:literal, $n:literal, $l:literal) => {{
        let p: AdbenchGmm<$d, $n, $l> = adbench_gmm($file);
        let AdbenchGmm {
            alphas,
            means,
            icf,
            x,
            gamma,
            m,
            constant,
        } = &p;
        let inputs = (alphas, means, icf, &**x, *gamma, *m, *constant);
        let mut value = || {
            let (alphas, means, icf, x, gamma, m, k) = inputs;
            black_box(gmm_objective(black_box(alphas), means, icf, x, gamma, m, k));
        };
        let mut one_pass = gradient!(gmm_objective_grad, $d, $l, inputs);
        let mut stored = gradient!(gmm_objective_store_grad, $d, $l, inputs);
        let mut replayed = gradient!(gmm_objective_recompute_grad, $d, $l, inputs);
        let mut hand = gradient!(gmm_grad_hand, $d, $l, inputs);
        let mut hand_lanes = gradient!(gmm_grad_hand_lanes, $d, $l, inputs);
        let mut hand_lanes_forward = gradient!(gmm_grad_hand_lanes_forward, $d, $l, inputs);
        match $c.as_deref_mut() {
            Some(c) => {
                let mut group = c.benchmark_group($name);
                group.bench_function("objective", |b| b.iter(&mut value));
                group.bench_function("gradient", |b| b.iter(&mut one_pass));
                group.bench_function("gradient_store", |b| b.iter(&mut stored));
                group.bench_function("gradient_recompute", |b| b.iter(&mut replayed));
                group.bench_function("hand_gradient", |b| b.iter(&mut hand));
                group.bench_function("hand_gradient_lanes", |b| b.iter(&mut hand_lanes));
                group.bench_function("hand_gradient_lanes_forward", |b| {
                    b.iter(&mut hand_lanes_forward)
                });
                group.finish();
            }
            None => report(
                $name,
                interleaved([
                    &mut value,
                    &mut one_pass,
                    &mut stored,
                    &mut replayed,
                    &mut hand,
                    &mut hand_lanes,
                    &mut hand_lanes_forward,
                ]),
            ),
        }
    }};
}

fn all(mut c: Option<&mut Criterion>) {
    instance!(c, "gmm_d2_k5_n1000", "1k_gmm_d2_K5.txt", 2, 1000, 3);
    instance!(c, "gmm_d10_k5_n1000", "1k_gmm_d10_K5.txt", 10, 1000, 55);
    instance!(c, "gmm_d2_k5_n10000", "10k_gmm_d2_K5.txt", 2, 10000, 3);
    instance!(c, "gmm_d10_k5_n10000", "10k_gmm_d10_K5.txt", 10, 10000, 55);
}

/// Each contender's fastest and median batch, in microseconds per call; batches are
/// interleaved so that load from other processes hits every contender alike.
fn interleaved<const C: usize>(mut contenders: [&mut dyn FnMut(); C]) -> [(f64, f64); C] {
    // about 20 ms per batch and contender
    let mut batch = [0u32; C];
    for (f, b) in contenders.iter_mut().zip(&mut batch) {
        let start = Instant::now();
        f();
        let once = start.elapsed().as_secs_f64();
        *b = ((0.02 / once) as u32).clamp(1, 100_000);
    }
    const ROUNDS: usize = 40;
    let mut times = vec![[0.0; C]; ROUNDS];
    for round in &mut times {
        for ((f, t), &b) in contenders.iter_mut().zip(round.iter_mut()).zip(&batch) {
            let start = Instant::now();
            for _ in 0..b {
                f();
            }
            *t = start.elapsed().as_secs_f64() * 1e6 / f64::from(b);
        }
    }
    std::array::from_fn(|c| {
        let mut t: Vec<f64> = times.iter().map(|r| r[c]).collect();
        t.sort_by(f64::total_cmp);
        (t[0], t[ROUNDS / 2])
    })
}

fn report(
    name: &str,
    [value, one_pass, stored, replayed, hand, lanes, lanes_forward]: [(f64, f64); 7],
) {
    println!("{name}: fastest batch (median batch), us per call; ratio to the objective");
    println!("  objective            {:9.1} ({:9.1})", value.0, value.1);
    for (label, t) in [
        ("gradient (one pass)", one_pass),
        ("gradient (stored)", stored),
        ("gradient (replayed)", replayed),
        ("gradient (by hand)", hand),
        ("by hand, 4 points", lanes),
        ("4 points, forward too", lanes_forward),
    ] {
        println!(
            "  {label:<21}{:9.1} ({:9.1})  {:.2} ({:.2})",
            t.0,
            t.1,
            t.0 / value.0,
            t.1 / value.1
        );
    }
}

fn main() {
    // The gradient's stack frame grows with n when the macro stores every iteration: give the
    // benchmark room, so that the baseline can be measured too.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let mut c = Criterion::default()
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(3))
                .configure_from_args();
            all(Some(&mut c));
            c.final_summary();
            // `cargo bench` passes `--bench`; `cargo test --benches` does not, and skips this
            if std::env::args().any(|a| a == "--bench") {
                println!("\ninterleaved, 40 rounds of ~20 ms batches:");
                all(None);
            }
        })
        .expect("spawn the benchmark thread")
        .join()
        .expect("the benchmark thread");
}
