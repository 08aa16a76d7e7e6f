//! A linear layer's forward and backward pass on a batch (64 x 784 -> 128, an MNIST MLP's
//! first layer): the GEMM path of `backprop::ops` against the same maths on plain loops.
//!
//! Three products of 2 * 64 * 784 * 128 flops each (forward, input gradient, weight
//! gradient); criterion's throughput in elements per second is flops per second.
//!
//! Run: `cargo bench --bench linear_layer`
use backprop::ops::{linear_batch_backward, linear_batch_into, zeroed_box};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const B: usize = 64;
const IN: usize = 784;
const OUT: usize = 128;

/// The buffers of one layer, on the heap (the batch alone is 196 KiB).
struct Layer {
    x: Box<[[f32; IN]; B]>,
    w: Box<[[f32; IN]; OUT]>,
    b: [f32; OUT],
    d_out: Box<[[f32; OUT]; B]>,
    out: Box<[[f32; OUT]; B]>,
    d_x: Box<[[f32; IN]; B]>,
    d_w: Box<[[f32; IN]; OUT]>,
    d_b: [f32; OUT],
}

impl Layer {
    fn new() -> Self {
        let mut state = 1u32;
        let mut next = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        let mut layer = Layer {
            x: zeroed_box(),
            w: zeroed_box(),
            b: [0.0; OUT],
            d_out: zeroed_box(),
            out: zeroed_box(),
            d_x: zeroed_box(),
            d_w: zeroed_box(),
            d_b: [0.0; OUT],
        };
        let inputs = [layer.x.as_flattened_mut(), layer.w.as_flattened_mut()];
        for v in inputs
            .into_iter()
            .chain([&mut layer.b[..], layer.d_out.as_flattened_mut()])
        {
            v.fill_with(&mut next);
        }
        layer
    }

    fn gemm_step(&mut self) {
        linear_batch_into(&self.x, &self.w, &self.b, &mut self.out);
        linear_batch_backward(
            &self.x,
            Some(&mut self.d_x),
            &self.w,
            Some(&mut self.d_w),
            Some(&mut self.d_b),
            &self.d_out,
        );
    }

    /// The same forward and backward pass as straightforward loops.
    fn loop_step(&mut self) {
        for (out, x) in self.out.iter_mut().zip(self.x.iter()) {
            for ((out, w), b) in out.iter_mut().zip(self.w.iter()).zip(&self.b) {
                *out = b + x.iter().zip(w).map(|(x, w)| x * w).sum::<f32>();
            }
        }
        for r in 0..B {
            for o in 0..OUT {
                let g = self.d_out[r][o];
                self.d_b[o] += g;
                for i in 0..IN {
                    self.d_x[r][i] += g * self.w[o][i];
                    self.d_w[o][i] += g * self.x[r][i];
                }
            }
        }
    }
}

fn linear_layer(c: &mut Criterion) {
    let mut group = c.benchmark_group("linear_layer_64x784x128_forward_backward");
    group.throughput(Throughput::Elements(3 * 2 * (B * IN * OUT) as u64));
    let mut layer = Layer::new();
    group.bench_function("gemm", |bench| {
        bench.iter(|| black_box(&mut layer).gemm_step())
    });
    let mut layer = Layer::new();
    group.bench_function("plain_loops", |bench| {
        bench.iter(|| black_box(&mut layer).loop_step())
    });
    group.finish();
}

criterion_group!(benches, linear_layer);
criterion_main!(benches);
