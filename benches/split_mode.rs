//! Split mode, measured: the README's composed MLP per sample (forward, generated gradient,
//! hand-written one-pass gradient), and one SGD step of a batched 784-128-10 network (batch 64)
//! whose first layer's input gradient is skipped. `scripts/bench_batched_step.py` times the
//! same step in JAX and PyTorch; `docs/benchmarks-split.md` has the figures.
//!
//! `cargo bench --bench split_mode`. After Criterion's report, the per-sample ratios are
//! measured once more by interleaving the contenders batch by batch and keeping each one's
//! fastest batch (as `benches/mlp_gmm.rs` does), which holds up on a busy machine.
//!
//! The 784-128-10 step's arrays are boxed (the batch is 196 KiB, each weight matrix of the
//! first layer 392 KiB); what the step itself puts on the stack (activations of 32 KiB, their
//! adjoints) fits the main thread's 8 MiB, which is where Criterion runs the bodies.

#[path = "interleaved.rs"]
mod interleaved;
#[path = "../tests/integration/split_programs/mod.rs"]
mod split_common;

use backprop::Zero;
use criterion::{criterion_group, Criterion, Throughput};
use interleaved::interleaved_min;
use split_common::{batched, mlp};
use std::hint::black_box;

fn per_sample(c: &mut Criterion) {
    use mlp::*;
    let (m, x, target) = mlp_inputs();
    let (mut g, mut h) = (Mlp::zero(), Mlp::zero());
    let mut group = c.benchmark_group("mlp_64_128_10_per_sample");
    group.bench_function("forward", |b| {
        b.iter(|| mlp_loss(black_box(&m), black_box(&x), black_box(target)))
    });
    group.bench_function("generated_grad", |b| {
        b.iter(|| mlp_loss_grad(black_box(&m), &mut g, black_box(&x), black_box(target)))
    });
    group.bench_function("hand_grad", |b| {
        b.iter(|| mlp_loss_grad_hand(black_box(&m), &mut h, black_box(&x), black_box(target)))
    });
    group.finish();
    black_box((g, h));
}

fn batched_step(c: &mut Criterion) {
    use batched::*;
    let (mut net, x, y) = batched_inputs();
    let mut grads: Box<Net> = Box::new(Net::zero());
    let mut opt = sgd();
    let mut group = c.benchmark_group("batched_784_128_10_b64");
    group.throughput(Throughput::Elements(STEP_FLOPS));
    group.bench_function("forward (loss only)", |b| {
        b.iter(|| batch_loss(black_box(&net), black_box(&x), black_box(&y)))
    });
    group.bench_function("sgd_step", |b| {
        b.iter(|| train_step(&mut net, &mut grads, &mut opt, black_box(&x), black_box(&y)))
    });
    group.finish();
}

criterion_group!(benches, per_sample, batched_step);

fn ratios() {
    {
        use mlp::*;
        let (m, x, target) = mlp_inputs();
        let (mut g, mut h) = (Mlp::zero(), Mlp::zero());
        let [forward, generated, hand] = interleaved_min(
            200,
            400,
            [
                &mut || {
                    black_box(mlp_loss(black_box(&m), black_box(&x), target));
                },
                &mut || {
                    black_box(mlp_loss_grad(black_box(&m), &mut g, black_box(&x), target));
                },
                &mut || {
                    black_box(mlp_loss_grad_hand(
                        black_box(&m),
                        &mut h,
                        black_box(&x),
                        target,
                    ));
                },
            ],
        );
        println!("\ninterleaved, fastest of 400 batches of 200 calls:");
        println!(
            "mlp 64-128-10   forward {forward:8.1} ns  generated {generated:8.1} ns  hand \
             {hand:8.1} ns  generated/hand {:.3}  generated/forward {:.2}  hand/forward {:.2}",
            generated / hand,
            generated / forward,
            hand / forward
        );
    }
    {
        use batched::*;
        let (mut net, x, y) = batched_inputs();
        let mut grads: Box<Net> = Box::new(Net::zero());
        let mut opt = sgd();
        let frozen = net.clone();
        let [forward, step] = interleaved_min(
            10,
            200,
            [
                &mut || {
                    black_box(batch_loss(black_box(&frozen), black_box(&x), &y));
                },
                &mut || {
                    black_box(train_step(
                        &mut net,
                        &mut grads,
                        &mut opt,
                        black_box(&x),
                        &y,
                    ));
                },
            ],
        );
        println!("interleaved, fastest of 200 batches of 10 calls:");
        println!(
            "784-128-10 b64  forward {:8.1} us  sgd step {:8.1} us  step/forward {:.2}  \
             step {:.1} GFLOP/s ({} useful flops)",
            forward / 1e3,
            step / 1e3,
            step / forward,
            STEP_FLOPS as f64 / step,
            STEP_FLOPS
        );
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and skips this
    if std::env::args().any(|a| a == "--bench") {
        ratios();
    }
}
