//! `Conv2d::forward_jvp` (value and tangent along tangents of the weight, the bias and the
//! input) against `Conv2d::forward` at the two convolutions of `examples/digits_cnn`, batch 32:
//! the ratio forward mode costs over the value. Each contender's fastest of 1000 interleaved
//! batches of 4 calls (short batches, so that one of them falls in a quiet moment of a loaded
//! machine), and load from other processes hits both alike.
//!
//! `taskset -c 0 cargo bench --bench conv_jvp`; figures in `docs/benchmarks-forward.md`.

#[path = "interleaved.rs"]
mod interleaved;

use backprop::nn::Conv2d;
use backprop::{Parameters, Tensor, Zero};
use interleaved::interleaved_min;
use rand::SeedableRng;
use std::hint::black_box;

const B: usize = 32;

/// A fixed pseudo-random pattern in `[-0.5, 0.5)`.
fn filled<T: Tensor>(seed: u32) -> T {
    let mut t = T::zero();
    let mut state = seed;
    for v in t.flat_mut() {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        *v = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
    }
    t
}

/// Times `forward` against `forward_jvp` of `conv` on a batch `X` with output `Y`.
macro_rules! ratio {
    ($name:literal, $conv:ty, $x:ty, $y:ty) => {{
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let conv = <$conv>::new(&mut rng);
        let mut conv_dot = <$conv>::zero();
        for k in 0..<$conv>::TENSORS {
            for (i, v) in conv_dot.tensor_mut(k).iter_mut().enumerate() {
                *v = (i % 7) as f32 * 0.1 - 0.3;
            }
        }
        let (x, x_dot): ($x, $x) = (filled(1), filled(2));
        let [value, jvp] = interleaved_min(
            4,
            1000,
            [
                &mut || {
                    let y: $y = black_box(&conv).forward(black_box(&x));
                    black_box(y);
                },
                &mut || {
                    let (y, y_dot): ($y, $y) =
                        black_box(&conv).forward_jvp(&conv_dot, black_box(&x), black_box(&x_dot));
                    black_box((y, y_dot));
                },
            ],
        );
        println!(
            "{:<34} forward {:8.1} us  forward_jvp {:8.1} us  jvp/forward {:.2}",
            $name,
            value / 1e3,
            jvp / 1e3,
            jvp / value
        );
    }};
}

fn main() {
    ratio!(
        "Conv2d 1->16, 3x3 pad 1, 8x8, B 32",
        Conv2d<1, 16, 3, 3, 1, 1>,
        [[[[f32; 8]; 8]; 1]; B],
        [[[[f32; 8]; 8]; 16]; B]
    );
    ratio!(
        "Conv2d 16->32, 3x3 pad 1, 4x4, B 32",
        Conv2d<16, 32, 3, 3, 1, 1>,
        [[[[f32; 4]; 4]; 16]; B],
        [[[[f32; 4]; 4]; 32]; B]
    );
}
