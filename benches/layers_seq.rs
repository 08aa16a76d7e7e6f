//! `GRUCell::forward_seq` at `examples/sequence`'s sizes (a batch of 32 sequences
//! of 32 steps, 59 inputs, 128 hidden units): the forward pass alone, and the forward pass with
//! the backward pass into the weights (the input is one-hot data and needs no gradient, the
//! initial state is zero). `scripts/layers_seq_torch.py` times the same in PyTorch;
//! docs/benchmarks-layers.md has both.
//!
//! Run: `taskset -c 0 cargo bench --bench layers_seq`
use backprop::nn::GRUCell;
use backprop::Zero;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};

const B: usize = 32;
const T: usize = 32;
const IN: usize = 59;
const H: usize = 128;

/// A batch of sequences, `[B][T][IN]`.
type Inputs = [[[f32; IN]; T]; B];
/// Every step's hidden state, `[B][T][H]`.
type Outputs = [[[f32; H]; T]; B];

/// A batch of one-hot sequences and a cotangent for every output.
fn data() -> (Box<Inputs>, Box<Outputs>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut x = Box::new([[[0.0; IN]; T]; B]);
    let mut d_out = Box::new([[[0.0; H]; T]; B]);
    for b in 0..B {
        for t in 0..T {
            x[b][t][rng.random_range(0..IN)] = 1.0;
            d_out[b][t] = core::array::from_fn(|_| rng.random_range(-1.0..1.0));
        }
    }
    (x, d_out)
}

/// Benchmarks one cell type: `$cell::forward_seq` and its pullback, from the zero state
/// `$state`. (Only the GRU, the example's layer: with the LSTM and the RNN too, the bench took
/// over half an hour to compile on the shared 2-core machine.)
macro_rules! bench_cell {
    ($c:ident, $name:literal, $cell:ident, $state:expr) => {{
        let cell = $cell::<IN, H>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
        let (x, d_out) = data();
        let state = $state;
        let mut grad = $cell::<IN, H>::zero();
        let mut group = $c.benchmark_group($name);
        group.sample_size(30);
        group.bench_function("forward", |bench| {
            bench.iter(|| black_box(cell.forward_seq(black_box(&*x), &state)))
        });
        group.bench_function("forward+backward", |bench| {
            bench.iter(|| {
                let (out, pullback) = cell.forward_seq_fwd(black_box(&*x), &state);
                pullback(&cell, Some(&mut grad), &x, None, &state, None, &d_out);
                black_box(out[0][0][0])
            })
        });
        group.finish();
    }};
}

fn sequences(c: &mut Criterion) {
    bench_cell!(c, "gru_seq_32x32x59-128", GRUCell, [[0.0f32; H]; B]);
}

criterion_group!(benches, sequences);
criterion_main!(benches);
