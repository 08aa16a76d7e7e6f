//! `MultiheadAttention::forward` at the sizes of a small character transformer on
//! `examples/sequence`'s batches (32 sequences of 32 positions, width 64, 4 heads of 16), without
//! and with the causal mask: the forward pass alone, and the forward pass with the backward pass
//! into the weights and the input (the input of attention inside a model needs its gradient).
//! `scripts/layers_attn_torch.py` times the same in PyTorch; docs/benchmarks-layers.md has both.
//!
//! Run: `taskset -c 0 cargo bench --bench layers_attn`
use backprop::nn::MultiheadAttention;
use backprop::Zero;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};

const B: usize = 32;
const T: usize = 32;
const E: usize = 64;
const HEADS: usize = 4;

/// A batch of sequences, `[B][T][E]`.
type Seq = [[[f32; E]; T]; B];

fn random(rng: &mut impl Rng) -> Box<Seq> {
    let mut x = Box::new([[[0.0; E]; T]; B]);
    for v in x.as_flattened_mut().as_flattened_mut() {
        *v = rng.random_range(-1.0..1.0);
    }
    x
}

fn attention(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let attn = MultiheadAttention::<E, HEADS>::new(&mut rng);
    let (x, d_out) = (random(&mut rng), random(&mut rng));
    let mut grad = MultiheadAttention::<E, HEADS>::zero();
    let mut d_x = Box::new([[[0.0; E]; T]; B]);
    for causal in [false, true] {
        let name = if causal { "mha_causal" } else { "mha" };
        let mut group = c.benchmark_group(format!("{name}_32x32x64-4"));
        group.sample_size(30);
        group.bench_function("forward", |bench| {
            bench.iter(|| black_box(attn.forward(black_box(&*x), causal)[0][0][0]))
        });
        group.bench_function("forward+backward", |bench| {
            bench.iter(|| {
                let (out, pullback) = attn.forward_fwd(black_box(&*x), causal);
                pullback(&attn, Some(&mut grad), &x, Some(&mut d_x), causal, &d_out);
                black_box(out[0][0][0])
            })
        });
        group.finish();
    }
}

criterion_group!(benches, attention);
criterion_main!(benches);
