//! Forward + backward of the `norm` layers at the examples' sizes, on one thread: a batch of 64
//! rows of 128 features (LayerNorm, BatchNorm1d, Dropout, the element-wise activations), 64 rows
//! of 65 logits (Softmax, LogSoftmax: a character model's vocabulary), a batch of 32 images of
//! 16 channels of 8 x 8 (BatchNorm2d: the digits CNN), and 64 lookups into a 65 x 32 table
//! (Embedding). A call is `forward_vjp` (or `forward_batch_vjp`) with every shadow given: the
//! forward pass, then the input's gradient and the layer's. Training mode where it matters.
//! `scripts/bench_layers_norm_torch.py` times the same in PyTorch; the table is in
//! docs/benchmarks-layers.md.
//!
//! `taskset -c 0 cargo bench --bench layers_norm`

use backprop::nn::{
    BatchNorm1d, BatchNorm2d, Dropout, Embedding, LayerNorm, LeakyReLU, LogSoftmax, SiLU, Softmax,
    GELU,
};
use backprop::{Parameters, Tensor, Zero};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::SeedableRng;
use std::hint::black_box;
use std::time::Duration;

const B: usize = 64;
type Rows = [[f32; 128]; B];
type Logits = [[f32; 65]; B];
type Images = [[[[f32; 8]; 8]; 16]; 32];

/// A deterministic tensor with values in [-2, 2).
fn filled<T: Tensor>(seed: u32) -> T {
    let mut t = T::zero();
    for (i, v) in t.flat_mut().iter_mut().enumerate() {
        let h = (i as u32 ^ seed).wrapping_mul(2_654_435_761);
        *v = (h >> 8) as f32 / (1u32 << 24) as f32 * 4.0 - 2.0;
    }
    t
}

/// Benchmarks `step(x, d_x, d_out)` under `name`.
fn bench<T: Tensor>(c: &mut Criterion, name: &str, mut step: impl FnMut(&T, &mut T, &T) -> T) {
    let (x, d_out) = (filled::<T>(1), filled::<T>(2));
    let mut d_x = Box::new(T::zero());
    c.bench_function(name, |b| {
        b.iter(|| black_box(step(black_box(&x), &mut d_x, black_box(&d_out))))
    });
}

fn layers(c: &mut Criterion) {
    let norm = LayerNorm::<128>::new();
    let mut d_norm = LayerNorm::zero();
    bench::<Rows>(c, "layer_norm_64x128", |x, dx, u| {
        norm.forward_batch_vjp(&mut d_norm, x, dx, u)
    });

    let mut bn1 = BatchNorm1d::<128>::new();
    bn1.train();
    let mut d_bn1 = BatchNorm1d::zero();
    bench::<Rows>(c, "batch_norm1d_64x128_train", |x, dx, u| {
        bn1.forward_batch_vjp(&mut d_bn1, x, dx, u)
    });

    let mut bn2 = BatchNorm2d::<16>::new();
    bn2.train();
    let mut d_bn2 = BatchNorm2d::zero();
    bench::<Images>(c, "batch_norm2d_32x16x8x8_train", |x, dx, u| {
        bn2.forward_batch_vjp(&mut d_bn2, x, dx, u)
    });

    let mut drop = Dropout::new(0.5).unwrap().with_seed(1);
    drop.train();
    bench::<Rows>(c, "dropout_64x128_train", |x, dx, u| {
        drop.forward_vjp(&mut Dropout::zero(), x, dx, u)
    });

    bench::<Rows>(c, "gelu_64x128", |x, dx, u| {
        GELU.forward_vjp(&mut GELU, x, dx, u)
    });
    bench::<Rows>(c, "silu_64x128", |x, dx, u| {
        SiLU.forward_vjp(&mut SiLU, x, dx, u)
    });
    let leaky = LeakyReLU::default();
    bench::<Rows>(c, "leaky_relu_64x128", |x, dx, u| {
        leaky.forward_vjp(&mut LeakyReLU::zero(), x, dx, u)
    });
    bench::<Logits>(c, "softmax_64x65", |x, dx, u| {
        Softmax.forward_batch_vjp(&mut Softmax, x, dx, u)
    });
    bench::<Logits>(c, "log_softmax_64x65", |x, dx, u| {
        LogSoftmax.forward_batch_vjp(&mut LogSoftmax, x, dx, u)
    });

    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let table = Embedding::<65, 32>::new(&mut rng);
    let mut d_table = Box::new(Embedding::zero());
    let ids: [usize; B] = core::array::from_fn(|i| (i * 7 + 3) % 65);
    let d_out = filled::<[[f32; 32]; B]>(3);
    c.bench_function("embedding_65x32_64_lookups", |b| {
        b.iter(|| black_box(table.forward_vjp(&mut d_table, black_box(&ids), black_box(&d_out))))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(40)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = layers
}
criterion_main!(benches);
