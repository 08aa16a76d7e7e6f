//! Training steps of medium MLPs written batch-first, as a user writes them (`nn::Linear::
//! forward_batch`, `nn::ReLU`, `loss::cross_entropy_batch`, one `#[differentiable]` loss):
//!
//! - 784-128-10, batch 64, with SGD (lr 0.01) and with Adam (PyTorch's defaults);
//! - 784-1024-10, batch 128, with Adam.
//!
//! A step is `zero_grad`, the loss's gradient with respect to the parameters (the batch is a
//! constant), and the optimizer's step. `scripts/bench_batched_step.py` times the same steps in
//! JAX and PyTorch; `docs/benchmarks-medium.md` has the figures side by side.
//!
//! After Criterion's report (only under `cargo bench`), each step is timed again with the
//! statistics of the Python script (the fastest and the median of many short batches), and
//! the 784-128-10 SGD step is split into
//! its parts, each timed alone on the step's own shapes, interleaved with the whole step batch
//! by batch and kept at its fastest batch (which holds up on a busy machine): the five
//! products (the first layer's input gradient is never computed), the activation and loss
//! pullbacks, `zero_grad`, the optimizer, and what is left of the step besides them.
//!
//! `taskset -c 0 cargo bench --bench medium_step -- --warm-up-time 1 --measurement-time 3`

#[path = "interleaved.rs"]
mod interleaved;

use backprop::loss::{cross_entropy_batch, cross_entropy_batch_grad};
use backprop::nn::{Init, Linear, ReLU};
use backprop::ops::{linear_batch_backward, linear_batch_into, relu_fwd, zeroed_box};
use backprop::optim::{zero_grad, Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use backprop::{differentiable, Parameters, Zeroable};
use criterion::{criterion_group, Criterion, Throughput};
use interleaved::interleaved_min;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::Instant;

/// `nn.Sequential(nn.Linear(IN, H), nn.ReLU(), nn.Linear(H, C))`.
#[derive(Parameters)]
#[parameters(init)]
pub struct Mlp<const IN: usize, const H: usize, const C: usize> {
    fc1: Linear<IN, H>,
    relu: ReLU,
    fc2: Linear<H, C>,
}

impl<const IN: usize, const H: usize, const C: usize> Mlp<IN, H, C> {
    #[differentiable]
    fn forward_batch<const B: usize>(&self, x: &[[f32; IN]; B]) -> [[f32; C]; B] {
        let h = self.relu.forward(&self.fc1.forward_batch(x));
        self.fc2.forward_batch(&h)
    }
}

/// The mean cross-entropy of a batch.
#[differentiable(wrt(model))]
#[allow(dead_code)] // trained through its gradient
fn loss<const IN: usize, const H: usize, const C: usize, const B: usize>(
    model: &Mlp<IN, H, C>,
    x: &[[f32; IN]; B],
    y: &[usize; B],
) -> f32 {
    cross_entropy_batch(&model.forward_batch(x), y)
}

/// A model, its gradient buffer, a batch uniform in `[-1, 1)` and labels `(7 i + 3) mod C`,
/// all boxed (built on the heap).
struct Problem<const IN: usize, const H: usize, const C: usize, const B: usize> {
    model: Box<Mlp<IN, H, C>>,
    grads: Box<Mlp<IN, H, C>>,
    x: Box<[[f32; IN]; B]>,
    y: [usize; B],
}

impl<const IN: usize, const H: usize, const C: usize, const B: usize> Problem<IN, H, C, B> {
    fn new() -> Self {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut x = zeroed_box::<[f32; IN], B>();
        x.as_flattened_mut()
            .fill_with(|| rng.random_range(-1.0..1.0));
        Problem {
            model: Mlp::new_boxed(&mut rng),
            grads: Mlp::boxed_zero(),
            x,
            y: core::array::from_fn(|i| (7 * i + 3) % C),
        }
    }

    fn step<O: Optimizer<Params = Mlp<IN, H, C>>>(&mut self, opt: &mut O) -> f32 {
        zero_grad(&mut *self.grads);
        let l = loss_grad(&self.model, &mut self.grads, &self.x, &self.y);
        opt.step(&mut self.model, &self.grads);
        l
    }

    /// Multiply-adds times two of a step's products: both layers' forward and weight
    /// gradients, the second layer's input gradient.
    const FLOPS: u64 = (2 * 2 * B * IN * H + 3 * 2 * B * H * C) as u64;
}

fn sgd<P: Parameters>() -> Sgd<P> {
    Sgd::new(SgdConfig {
        lr: 0.01,
        ..Default::default()
    })
    .expect("valid hyperparameters")
}

fn adam<P: Parameters>() -> Adam<P> {
    Adam::new(AdamConfig::default()).expect("valid hyperparameters")
}

type Small = Problem<784, 128, 10, 64>;
type Large = Problem<784, 1024, 10, 128>;

fn steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("medium_step");
    let mut small = Small::new();
    group.throughput(Throughput::Elements(Small::FLOPS));
    let mut opt = sgd();
    group.bench_function("784-128-10 b64 sgd", |b| {
        b.iter(|| black_box(small.step(&mut opt)))
    });
    let mut opt = adam();
    group.bench_function("784-128-10 b64 adam", |b| {
        b.iter(|| black_box(small.step(&mut opt)))
    });
    let mut large = Large::new();
    group.throughput(Throughput::Elements(Large::FLOPS));
    let mut opt = adam();
    group.bench_function("784-1024-10 b128 adam", |b| {
        b.iter(|| black_box(large.step(&mut opt)))
    });
    group.finish();
}

criterion_group!(benches, steps);

/// The fastest and the median of `batches` batches of `per_batch` calls, in microseconds a call:
/// the statistics `scripts/bench_batched_step.py` reports for JAX and PyTorch.
fn fastest_and_median(per_batch: u32, batches: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..100 {
        f();
    }
    let mut times: Vec<f64> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(per_batch)
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[0], times[batches / 2])
}

/// The three steps as the Python script times JAX and PyTorch.
fn side_by_side() {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "\nfastest / median batch, us a step (GFLOP/s at the fastest), {threads} CPU(s) allowed:"
    );
    let report = |name: &str, flops: u64, (fastest, median): (f64, f64)| {
        let gflops = flops as f64 / fastest / 1e3;
        println!("  {name:24} backprop {fastest:9.1} / {median:9.1} us ({gflops:5.1})");
    };
    let mut small = Small::new();
    let mut opt = sgd();
    report(
        "784-128-10 b64 sgd",
        Small::FLOPS,
        fastest_and_median(2, 1500, || {
            black_box(small.step(&mut opt));
        }),
    );
    let mut opt = adam();
    report(
        "784-128-10 b64 adam",
        Small::FLOPS,
        fastest_and_median(2, 1500, || {
            black_box(small.step(&mut opt));
        }),
    );
    let mut large = Large::new();
    let mut opt = adam();
    report(
        "784-1024-10 b128 adam",
        Large::FLOPS,
        fastest_and_median(1, 200, || {
            black_box(large.step(&mut opt));
        }),
    );
}

/// The 784-128-10 SGD step and its parts, on the step's own shapes, layouts and values.
fn split() {
    const B: usize = 64;
    const IN: usize = 784;
    const H: usize = 128;
    const C: usize = 10;
    let mut p = Small::new();
    let mut opt = sgd();
    let (x, y) = (p.x.clone(), p.y);
    let m = Mlp::<IN, H, C>::new_boxed(&mut rand::rngs::StdRng::seed_from_u64(11));
    // The step's activations and adjoints, once, as the inputs of the parts.
    let mut z = zeroed_box::<[f32; H], B>();
    linear_batch_into(&x, &m.fc1.weight, &m.fc1.bias, &mut z);
    let h = Box::new(relu_fwd(&*z).0);
    let mut logits = zeroed_box::<[f32; C], B>();
    linear_batch_into(&h, &m.fc2.weight, &m.fc2.bias, &mut logits);
    let mut d_logits = zeroed_box::<[f32; C], B>();
    cross_entropy_batch_grad(&logits, &mut d_logits, &y);
    let mut d_z = zeroed_box::<[f32; H], B>();
    linear_batch_backward(&h, Some(&mut d_z), &m.fc2.weight, None, None, &d_logits);
    // Each part writes to buffers of its own.
    let (mut z_out, mut logits_out) = (zeroed_box::<[f32; H], B>(), zeroed_box::<[f32; C], B>());
    let (mut d_h_out, mut d_z_out) = (zeroed_box::<[f32; H], B>(), zeroed_box::<[f32; H], B>());
    let mut d_logits_out = zeroed_box::<[f32; C], B>();
    let (mut g2, mut g1) = (Mlp::<IN, H, C>::boxed_zero(), Mlp::<IN, H, C>::boxed_zero());
    let (mut g0, g) = (Mlp::<IN, H, C>::boxed_zero(), Mlp::<IN, H, C>::boxed_zero());
    let (mut model, mut opt_alone) = (Mlp::<IN, H, C>::boxed_zero(), sgd());
    let names = [
        "whole step",
        "fc1 forward 64x784x128 (+bias)",
        "fc2 forward 64x128x10 (+bias)",
        "fc2 input gradient 64x10x128",
        "fc2 weight+bias gradient 10x64x128",
        "fc1 weight+bias gradient 128x64x784",
        "relu forward + pullback",
        "cross-entropy + its pullback",
        "zero_grad",
        "sgd step",
    ];
    // Batches of two calls: short enough (about a millisecond) that many batches run
    // between two interruptions of a loaded machine.
    let times = interleaved_min(
        2,
        1500,
        [
            &mut || {
                black_box(p.step(&mut opt));
            },
            &mut || linear_batch_into(&x, &m.fc1.weight, &m.fc1.bias, &mut z_out),
            &mut || linear_batch_into(&h, &m.fc2.weight, &m.fc2.bias, &mut logits_out),
            &mut || {
                let w = &m.fc2.weight;
                linear_batch_backward(&h, Some(&mut d_h_out), w, None, None, &d_logits)
            },
            &mut || {
                let (w, g) = (&m.fc2.weight, &mut g2.fc2);
                linear_batch_backward(
                    &h,
                    None,
                    w,
                    Some(&mut g.weight),
                    Some(&mut g.bias),
                    &d_logits,
                )
            },
            &mut || {
                let (w, g) = (&m.fc1.weight, &mut g1.fc1);
                linear_batch_backward(&x, None, w, Some(&mut g.weight), Some(&mut g.bias), &d_z)
            },
            &mut || {
                let (h, pullback) = relu_fwd(&*z);
                black_box(&h);
                pullback(&z, Some(&mut d_z_out), &d_z);
            },
            &mut || {
                black_box(cross_entropy_batch_grad(&logits, &mut d_logits_out, &y));
            },
            &mut || zero_grad(black_box(&mut *g0)),
            &mut || opt_alone.step(&mut *model, &g),
        ],
    )
    .map(|ns| ns / 1e3); // microseconds
    black_box((
        &z_out,
        &logits_out,
        &d_h_out,
        &d_z_out,
        &d_logits_out,
        &g1,
        &g2,
    ));
    let parts: f64 = times[1..].iter().sum();
    println!("\n784-128-10 b64 SGD step, fastest of 1500 interleaved batches of 2 calls:");
    for (name, t) in names.iter().zip(times) {
        println!("  {name:40} {t:8.1} us");
    }
    println!(
        "  {:40} {:8.1} us  (the step less its parts)",
        "rest",
        times[0] - parts
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and skips this.
    if std::env::args().any(|a| a == "--bench") {
        side_by_side();
        split();
    }
}
