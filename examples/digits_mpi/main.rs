//! The digits example trained data-parallel over MPI (feature `mpi`): every rank holds the
//! whole 64-128-10 network, trains on its shard of each epoch, and the ranks average their
//! gradients before every Adam step, so that N ranks with local batches of 16 train as one
//! process with batches of 16 N.
//!
//! ```sh
//! cargo build --release --features mpi --example digits_mpi
//! mpirun -n 2 target/release/examples/digits_mpi
//! ```
//!
//! (As root, or to keep the ranks on this machine's shared memory, see docs/distributed.md for
//! the environment `mpirun` needs.) Each rank prints its throughput; rank 0 prints the test
//! accuracy after every fifth epoch and at the end, and saves the weights.

#[allow(dead_code)]
#[path = "../digits/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../digits/model.rs"]
mod model;

use backprop::distributed::Distributed;
use backprop::optim::{Adam, AdamConfig, CosineAnnealingLr, LrScheduler, Optimizer};
use backprop::{io, Zero};
use data::{Sample, FEATURES};
use model::{batch_loss_grad, evaluate, Mlp};
use rand::SeedableRng;
use std::error::Error;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Samples per rank and step: the global batch is `LOCAL * ranks`.
const LOCAL: usize = 16;
const EPOCHS: u64 = 30;
const LR: f64 = 5e-3;
const SEED: u64 = 0;

fn main() -> Result<(), Box<dyn Error>> {
    let dist = Distributed::init()?;
    let samples = data::digits()?;
    let (train_set, test_set) = data::split(&samples, 0.2, 0);
    if dist.is_root() {
        println!(
            "{} ranks, {LOCAL} samples per rank and step: global batch {}",
            dist.size(),
            LOCAL * dist.size()
        );
    }

    // Every rank builds a model; rank 0's is the one all of them start from.
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED + dist.rank() as u64);
    let mut model = Mlp::new(&mut rng);
    dist.broadcast_params(&mut model)?;
    let mut grads = Mlp::zero();
    let mut opt = Adam::<Mlp>::new(AdamConfig {
        lr: LR,
        ..Default::default()
    })?;
    let mut schedule = CosineAnnealingLr::new(&mut opt, EPOCHS, 0.0)?;
    let sampler = dist.sampler(train_set.len())?.seed(SEED);

    let (mut x, mut y) = ([[0.0; FEATURES]; LOCAL], [0; LOCAL]);
    let (mut computing, mut reducing, mut seen) = (Duration::ZERO, Duration::ZERO, 0usize);
    let start = Instant::now();
    for epoch in 0..EPOCHS {
        for batch in sampler.indices(epoch).chunks_exact(LOCAL) {
            let t0 = Instant::now();
            fill(&train_set, batch, &mut x, &mut y);
            opt.zero_grad(&mut grads);
            batch_loss_grad(&model, &mut grads, &x, &y);
            let t1 = Instant::now();
            dist.all_reduce_mean(&mut grads)?;
            reducing += t1.elapsed();
            computing += t1 - t0;
            opt.step(&mut model, &grads);
            seen += LOCAL;
        }
        schedule.step(&mut opt)?;
        // Every rank has the same model: rank 0 alone evaluates it.
        if dist.is_root() && (epoch + 1) % 5 == 0 {
            let test = evaluate(&model, &test_set);
            println!(
                "epoch {:>2}  test accuracy {:.2}%",
                epoch + 1,
                100.0 * test.accuracy
            );
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    // One line per rank, printed by rank 0 in rank order.
    let mut rates = vec![0.0; 3 * dist.size()];
    let mine = &mut rates[3 * dist.rank()..3 * dist.rank() + 3];
    mine.copy_from_slice(&[
        seen as f64 / elapsed,
        computing.as_secs_f64(),
        reducing.as_secs_f64(),
    ]);
    dist.sum_f64(&mut rates)?;
    if dist.is_root() {
        for (rank, r) in rates.chunks(3).enumerate() {
            println!(
                "rank {rank}: {:.0} samples/s, {:.2} s computing gradients, {:.2} s in all-reduce",
                r[0], r[1], r[2]
            );
        }
        let total: f64 = rates.chunks(3).map(|r| r[0]).sum();
        let test = evaluate(&model, &test_set);
        println!(
            "trained in {elapsed:.2} s ({total:.0} samples/s in all): test accuracy {:.2}%, test loss {:.4}",
            100.0 * test.accuracy,
            test.loss
        );
    }

    let path = output_dir().join("digits-mpi.safetensors");
    dist.save_params(&model, &path)?;
    if dist.is_root() {
        let reloaded: Mlp = io::load(&path)?;
        let same = reloaded == model;
        println!(
            "weights: {} (saved by rank 0), reloaded identical: {same}",
            path.display()
        );
        if !same {
            return Err("the reloaded model differs".into());
        }
    }
    Ok(())
}

/// The batch's pixels and labels.
fn fill(set: &[Sample], batch: &[usize], x: &mut [[f32; FEATURES]; LOCAL], y: &mut [usize; LOCAL]) {
    for (b, &i) in batch.iter().enumerate() {
        x[b] = set[i].pixels;
        y[b] = set[i].label;
    }
}

/// Cargo's target directory: the program runs as `<target>/<profile>/examples/digits_mpi`.
fn output_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("target"))
}
