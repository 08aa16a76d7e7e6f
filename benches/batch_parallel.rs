//! The gradient of a 256-sample batch through a 64-128-10 MLP, sequential against
//! data-parallel on 1 and 2 rayon threads. `cargo bench --features rayon --bench batch_parallel`;
//! results in docs/benchmarks-parallel.md.
// Differentiated only through their generated derivatives, with range loops (iterator chains
// are outside the differentiable subset).
#![allow(dead_code, clippy::needless_range_loop)]

use backprop::batch::{batch_gradient, par_batch_gradient, Reduction};
use backprop::nn::{Linear, ReLU};
use backprop::{differentiable, Parameters};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const IN: usize = 64;
const HIDDEN: usize = 128;
const CLASSES: usize = 10;
const BATCH: usize = 256;

#[derive(Clone, Copy, Parameters)]
struct Mlp {
    layer1: Linear<IN, HIDDEN>,
    relu: ReLU,
    layer2: Linear<HIDDEN, CLASSES>,
}

impl Mlp {
    #[differentiable]
    fn forward(&self, x: &[f32; IN]) -> [f32; CLASSES] {
        let h = self.relu.forward(&self.layer1.forward(x));
        self.layer2.forward(&h)
    }
}

/// Cross-entropy of the logits against the class `target` (log-sum-exp shifted by the maximum).
#[differentiable(wrt(model))]
fn sample_loss(model: &Mlp, x: &[f32; IN], target: usize) -> f32 {
    let logits = model.forward(x);
    let mut m = logits[0];
    for i in 1..CLASSES {
        m = m.max(logits[i]);
    }
    let mut s = 0.0;
    for i in 0..CLASSES {
        s += (logits[i] - m).exp();
    }
    s.ln() + m - logits[target]
}

struct Sample {
    x: [f32; IN],
    class: usize,
}

fn per_sample(m: &Mlp, g: &mut Mlp, s: &Sample) -> f32 {
    sample_loss_grad(m, g, &s.x, s.class)
}

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(7);
    let model = Mlp {
        layer1: Linear::new(&mut rng),
        relu: ReLU,
        layer2: Linear::new(&mut rng),
    };
    let samples: Vec<Sample> = (0..BATCH)
        .map(|_| Sample {
            x: core::array::from_fn(|_| rng.random_range(-1.0..1.0)),
            class: rng.random_range(0..CLASSES),
        })
        .collect();
    let pool = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("building a thread pool")
    };
    let (one, two) = (pool(1), pool(2));

    let mut group = c.benchmark_group(format!("mlp_{IN}_{HIDDEN}_{CLASSES}_batch_{BATCH}"));
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("sequential", |b| {
        b.iter(|| batch_gradient(&model, black_box(&samples), Reduction::Mean, per_sample))
    });
    for (name, pool) in [("parallel_1_thread", &one), ("parallel_2_threads", &two)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                pool.install(|| {
                    par_batch_gradient(&model, black_box(&samples), Reduction::Mean, per_sample)
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
