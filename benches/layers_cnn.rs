//! The CNN layers' forward + backward pass (`forward_vjp`: value, input, weight and bias
//! gradients) at the sizes of `examples/digits_cnn`, batch 32; `scripts/layers_cnn_torch.py`
//! times the same calls in PyTorch on one thread (docs/benchmarks-layers.md).
//!
//! Run: `taskset -c 0 cargo bench --bench layers_cnn`

use backprop::nn::{AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, Flatten, MaxPool2d};
use backprop::{Tensor, Zero};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const B: usize = 32;

/// Fills a tensor with a fixed pseudo-random pattern in `[-0.5, 0.5)`.
fn filled<T: Tensor>(seed: u32) -> T {
    let mut t = T::zero();
    let mut state = seed;
    for v in t.flat_mut() {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *v = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
    }
    t
}

/// Times `layer.forward_vjp` on a batch `X` with output `Y`, every gradient wanted.
macro_rules! bench_layer {
    ($c:expr, $name:literal, $layer:expr, $x:ty, $y:ty) => {{
        let layer = $layer;
        let x: $x = filled(1);
        let d_y: $y = filled(2);
        let mut d_layer = Zero::zero();
        let mut d_x = <$x>::zero();
        $c.bench_function($name, |bench| {
            bench.iter(|| {
                let y: $y = layer.forward_vjp(&mut d_layer, black_box(&x), &mut d_x, &d_y);
                black_box(y);
            })
        });
    }};
}

type Maps<const C: usize, const H: usize, const W: usize> = [[[[f32; W]; H]; C]; B];

fn layers(c: &mut Criterion) {
    let mut conv1 = Conv2d::<1, 16, 3, 3, 1, 1>::zero();
    conv1.weight = filled(3);
    let mut conv2 = Conv2d::<16, 32, 3, 3, 1, 1>::zero();
    conv2.weight = filled(4);
    let mut conv1d = Conv1d::<16, 32, 3, 1, 1>::zero();
    conv1d.weight = filled(5);
    bench_layer!(c, "conv2d 1->16 3x3 pad 1, 8x8", conv1, Maps<1, 8, 8>, Maps<16, 8, 8>);
    bench_layer!(c, "conv2d 16->32 3x3 pad 1, 4x4", conv2, Maps<16, 4, 4>, Maps<32, 4, 4>);
    bench_layer!(
        c,
        "conv1d 16->32 k3 pad 1, 64",
        conv1d,
        [[[f32; 64]; 16]; B],
        [[[f32; 64]; 32]; B]
    );
    bench_layer!(c, "maxpool2d 2, 16x8x8", MaxPool2d::<2>, Maps<16, 8, 8>, Maps<16, 4, 4>);
    bench_layer!(c, "avgpool2d 2, 16x8x8", AvgPool2d::<2>, Maps<16, 8, 8>, Maps<16, 4, 4>);
    bench_layer!(c, "adaptiveavgpool2d 1, 32x4x4", AdaptiveAvgPool2d, Maps<32, 4, 4>, Maps<32, 1, 1>);
    bench_layer!(c, "flatten 32x2x2", Flatten, Maps<32, 2, 2>, [[f32; 128]; B]);
}

criterion_group!(benches, layers);
criterion_main!(benches);
