//! What the all-reduce costs in a data-parallel step (feature `mpi`): a 784-1024-10 MLP
//! (814,090 parameters, 3.26 MB of gradient), 128 samples per rank, forward and backward on the
//! GEMM kernel, then `all_reduce_mean`, then an SGD step. The figures of docs/distributed.md:
//!
//! ```sh
//! cargo build --release --features mpi --example mpi_step
//! mpirun -n 1 target/release/examples/mpi_step   # the same step on one rank
//! mpirun -n 2 target/release/examples/mpi_step
//! ```
//!
//! Rank 0 prints the median step split into its parts, the all-reduce alone (after a barrier,
//! for several bucket sizes), and the machine's copy bandwidth with every rank copying at once,
//! from which the all-reduce's bandwidth bound follows. The model and every batch buffer are
//! 0.4-3.2 MB, too big for the main thread's stack with the compiler's temporaries: the whole
//! program runs on a thread with a 256 MiB stack, and the large values live in `Box`es.

use backprop::distributed::Distributed;
use backprop::loss::cross_entropy_batch_grad;
use backprop::nn::Linear;
use backprop::ops::{linear_batch_backward, linear_batch_into, matmul_into, zeroed_box};
use backprop::optim::{Optimizer, Sgd, SgdConfig};
use backprop::{Parameters, Zero};
use rand::{Rng, SeedableRng};
use std::error::Error;
use std::time::{Duration, Instant};

const IN: usize = 784;
const HIDDEN: usize = 1024;
const CLASSES: usize = 10;
/// Samples per rank and step.
const BATCH: usize = 128;
const WARMUP: usize = 5;
const STEPS: usize = 40;
const REDUCES: usize = 60;

#[derive(Clone, Copy, Parameters)]
struct Net {
    fc1: Linear<IN, HIDDEN>,
    fc2: Linear<HIDDEN, CLASSES>,
}

/// The activations and their gradients of one batch.
struct Buffers {
    x: Box<[[f32; IN]; BATCH]>,
    y: [usize; BATCH],
    h: Box<[[f32; HIDDEN]; BATCH]>,
    logits: Box<[[f32; CLASSES]; BATCH]>,
    d_logits: Box<[[f32; CLASSES]; BATCH]>,
    d_h: Box<[[f32; HIDDEN]; BATCH]>,
    d_h_t: Box<[[f32; BATCH]; HIDDEN]>,
}

/// The mean cross-entropy of the batch and its gradient, written into `grads` (overwritten).
/// The first layer's input gradient is not needed and not computed.
fn gradient(net: &Net, grads: &mut Net, b: &mut Buffers) -> f32 {
    linear_batch_into(&b.x, &net.fc1.weight, &net.fc1.bias, &mut b.h);
    for v in b.h.as_flattened_mut() {
        *v = v.max(0.0);
    }
    linear_batch_into(&b.h, &net.fc2.weight, &net.fc2.bias, &mut b.logits);
    b.d_logits.set_zero();
    let loss = cross_entropy_batch_grad(&b.logits, &mut b.d_logits, &b.y);
    grads.set_zero();
    b.d_h.set_zero();
    let fc2 = &mut grads.fc2;
    linear_batch_backward(
        &b.h,
        Some(&mut b.d_h),
        &net.fc2.weight,
        Some(&mut fc2.weight),
        Some(&mut fc2.bias),
        &b.d_logits,
    );
    // Through the ReLU (h > 0 where it passed), transposed for the weight gradient d_h^T x.
    for (i, (row, h)) in b.d_h.iter().zip(b.h.iter()).enumerate() {
        for (j, (d, &h)) in row.iter().zip(h).enumerate() {
            b.d_h_t[j][i] = if h > 0.0 { *d } else { 0.0 };
        }
    }
    matmul_into(&b.d_h_t, &b.x, &mut grads.fc1.weight);
    for (bias, row) in grads.fc1.bias.iter_mut().zip(b.d_h_t.iter()) {
        *bias = row.iter().sum();
    }
    loss
}

fn median(mut times: Vec<Duration>) -> f64 {
    times.sort_unstable();
    times[times.len() / 2].as_secs_f64()
}

/// Bytes read and written per second by this rank copying `len` f32s, every rank at once
/// (the best of 20 copies).
fn copy_bandwidth(dist: &Distributed, len: usize) -> Result<f64, Box<dyn Error>> {
    let src = vec![1.0f32; len];
    let mut dst = vec![0.0f32; len];
    let mut best = f64::INFINITY;
    for _ in 0..20 {
        dist.barrier()?;
        let t = Instant::now();
        dst.copy_from_slice(&src);
        std::hint::black_box(&mut dst);
        best = best.min(t.elapsed().as_secs_f64());
    }
    Ok(2.0 * 4.0 * len as f64 / best)
}

fn run() -> Result<(), Box<dyn Error>> {
    let mut dist = Distributed::init()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(dist.rank() as u64);
    // Built on this thread's large stack, then moved to the heap.
    let mut net = Box::new(Net {
        fc1: Linear::new(&mut rng),
        fc2: Linear::new(&mut rng),
    });
    dist.broadcast_params(&mut *net)?;
    let mut grads: Box<Net> = Box::new(Net::zero());
    let mut buffers = Buffers {
        x: zeroed_box(),
        y: [0; BATCH],
        h: zeroed_box(),
        logits: zeroed_box(),
        d_logits: zeroed_box(),
        d_h: zeroed_box(),
        d_h_t: zeroed_box(),
    };
    buffers.x.as_flattened_mut().fill_with(|| rng.random());
    buffers.y.fill_with(|| rng.random_range(0..CLASSES));
    let mut opt = Sgd::<Net>::new(SgdConfig {
        lr: 1e-3,
        ..Default::default()
    })?;

    // Whole steps: compute, wait for the slower rank (a barrier, so that the all-reduce's
    // own time is seen apart), all-reduce, update.
    let mut times: [Vec<Duration>; 5] = Default::default();
    dist.barrier()?;
    for i in 0..WARMUP + STEPS {
        let t0 = Instant::now();
        gradient(&net, &mut grads, &mut buffers);
        let t1 = Instant::now();
        dist.barrier()?;
        let t2 = Instant::now();
        dist.all_reduce_mean(&mut *grads)?;
        let t3 = Instant::now();
        opt.step(&mut net, &grads);
        let t4 = Instant::now();
        if i >= WARMUP {
            for (k, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0]
                .into_iter()
                .enumerate()
            {
                times[k].push(d);
            }
        }
    }

    // The all-reduce alone, every rank starting together, for a few bucket sizes.
    let mut alone = Vec::new();
    for bucket in [1 << 22, 1 << 20, 1 << 18, 1 << 16, 1 << 14] {
        dist.set_bucket_elements(bucket);
        let mut times = Vec::new();
        for _ in 0..REDUCES {
            dist.barrier()?;
            let t = Instant::now();
            dist.all_reduce_mean(&mut *grads)?;
            times.push(t.elapsed());
        }
        alone.push((bucket, median(times)));
    }

    // Copy bandwidth, every rank copying at once: of memory (64 MiB), and of buffers the
    // gradient's size (which the caches hold).
    let memory = copy_bandwidth(&dist, 1 << 24)?;
    let cached = copy_bandwidth(&dist, Net::numel())?;

    let mut sums: Vec<f64> = times.into_iter().map(median).collect();
    sums.extend([memory, cached]);
    dist.sum_f64(&mut sums)?;
    if dist.is_root() {
        let ranks = dist.size() as f64;
        let [compute, wait, reduce, update, step] = [0, 1, 2, 3, 4].map(|i| sums[i] / ranks);
        let (memory, cached) = (sums[5], sums[6]); // all ranks together
        let bytes = 4.0 * Net::numel() as f64;
        println!(
            "{} rank(s), 784-1024-10 ({} parameters, {:.2} MB), {BATCH} samples per rank",
            dist.size(),
            Net::numel(),
            bytes / 1e6
        );
        println!(
            "median step {:.2} ms: compute {:.2} ms, waiting {:.3} ms, all-reduce {:.3} ms ({:.1}%), update {:.2} ms",
            1e3 * step,
            1e3 * compute,
            1e3 * wait,
            1e3 * reduce,
            100.0 * reduce / step,
            1e3 * update
        );
        println!(
            "throughput {:.0} samples/s ({:.0} per rank)",
            ranks * BATCH as f64 / step,
            BATCH as f64 / step
        );
        for (bucket, t) in &alone {
            println!(
                "all-reduce alone, buckets of {bucket} f32s ({} call(s)): {:.3} ms",
                Net::numel().div_ceil(*bucket),
                1e3 * t
            );
        }
        if dist.size() > 1 {
            // An element-wise sum over p ranks needs, per rank, at least: its own n bytes
            // read, (p-1)/p n of the others' read in each of the reduce-scatter and the
            // all-gather, and n written.
            let moved = ranks * (2.0 + 2.0 * (ranks - 1.0) / ranks) * bytes;
            println!("all-reduce memory traffic {:.2} MB", moved / 1e6);
            for (what, bandwidth) in [("64 MiB buffers", memory), ("3.26 MB buffers", cached)] {
                println!(
                    "copy bandwidth, all ranks at once, {what}: {:.1} GB/s; bound {:.3} ms",
                    bandwidth / 1e9,
                    1e3 * moved / bandwidth
                );
            }
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    // MPI is initialised, used and finalised on this one thread: the only one that calls it.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| run().map_err(|e| e.to_string()))
        .map_err(|e| e.to_string())?
        .join()
        .map_err(|_| "the measuring thread panicked".to_string())?
}
