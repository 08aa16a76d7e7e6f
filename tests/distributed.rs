//! Data-parallel training on two MPI ranks (feature `mpi`):
//! `cargo test --features mpi --test distributed`.
//!
//! Run by cargo, this program starts itself under `mpirun -n 2` on this machine only (shared
//! memory and loopback), prints what the ranks print, and fails if any check failed on any
//! rank. Started by `mpirun`, it is one of the ranks: each check runs on both, and rank 0
//! prints one line per check and a closing `distributed: N passed, M failed`.

#[allow(dead_code)]
#[path = "../examples/digits/data.rs"]
mod data;
#[allow(dead_code)]
#[path = "../examples/digits/model.rs"]
mod model;

use backprop::distributed::{DistError, Distributed, DistributedSampler};
use backprop::optim::{Adam, AdamConfig, Checkpoint, Optimizer, Sgd, SgdConfig};
use backprop::{io, Parameters, Tensor, Zero};
use data::{Sample, FEATURES};
use model::{batch_loss_grad, Mlp};
use rand::SeedableRng;
use std::path::PathBuf;
use std::process::{Command, ExitCode};

const RANKS: usize = 2;
/// The global batch, and each rank's share of it.
const GLOBAL: usize = 32;
const LOCAL: usize = GLOBAL / RANKS;
const EPOCHS: u64 = 3;
const SAMPLER_SEED: u64 = 7;
/// Where the ranks write files: set by the launcher, the same for both ranks.
const DIR_VAR: &str = "BACKPROP_MPI_TEST_DIR";

/// Two-rank training against one process on the same batches of 32: the largest parameter
/// difference allowed. The gradients differ only in how the f32 sums over the 32 samples are
/// grouped (16 + 16 on two ranks, then halved; 32 in one loop): a few units in the last place
/// of each sum. SGD passes such a difference on linearly, lr times per step; over the 132
/// steps of three epochs, which move the weights by up to 0.79, the parameters measured
/// 1.5e-7 apart (Adam, whose step divides by sqrt(v) and so could magnify a rounding
/// difference in a near-zero gradient, 1.8e-7). 1e-5 is some 60 times that, and 80,000 times
/// smaller than the training's own change of the weights: a wrong shard, a missing or doubled
/// sample, or a sum instead of a mean would be far above it.
const TOLERANCE: f32 = 1e-5;

fn main() -> ExitCode {
    let under_mpirun = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    if under_mpirun {
        ranks()
    } else {
        launch()
    }
}

/// Starts this program on two ranks, on this machine only.
fn launch() -> ExitCode {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = std::env::temp_dir().join(format!("backprop-mpi-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let output = Command::new("mpirun")
        .args([
            "-n",
            &RANKS.to_string(),
            "--oversubscribe",
            "--timeout",
            "600",
        ])
        .arg(&exe)
        // Shared memory between the ranks, loopback for mpirun's own traffic: nothing leaves
        // the machine. Root is allowed, as CI runs as root.
        .env("OMPI_MCA_btl", "self,vader")
        .env("OMPI_MCA_btl_tcp_if_include", "lo")
        .env("OMPI_MCA_oob_tcp_if_include", "lo")
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env(DIR_VAR, &dir)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            eprintln!("cannot run mpirun (install openmpi-bin): {err}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    let closing = stdout
        .lines()
        .any(|l| l.starts_with("distributed: ") && l.ends_with(" passed, 0 failed"));
    if output.status.success() && closing {
        ExitCode::SUCCESS
    } else {
        eprintln!("mpirun: {}", output.status);
        ExitCode::FAILURE
    }
}

type Check = fn(&mut Distributed) -> Result<(), String>;

/// One rank: every check, the failures summed over ranks, rank 0 reporting.
fn ranks() -> ExitCode {
    let mut dist = Distributed::init().expect("MPI initialises");
    assert_eq!(dist.size(), RANKS, "started with mpirun -n {RANKS}");
    let checks: [(&str, Check); 7] = [
        ("broadcast gives every rank rank 0's model", broadcast),
        ("two ranks train as one process (SGD)", train_sgd),
        ("two ranks train as one process (Adam)", train_adam),
        (
            "mismatched trees are typed errors on every rank",
            mismatched_trees,
        ),
        ("trees that are not one block, in small buckets", buckets),
        ("a resumed optimizer state reaches every rank", resume),
        ("rank 0 saves; its failure reaches every rank", saving),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, check) in checks {
        let result = check(&mut dist);
        if let Err(why) = &result {
            eprintln!("rank {}: {name}: {why}", dist.rank());
        }
        let mut failures = [f64::from(u8::from(result.is_err()))];
        dist.sum_f64(&mut failures).expect("the failure count");
        if failures[0] == 0.0 {
            passed += 1;
        } else {
            failed += 1;
        }
        if dist.is_root() {
            let verdict = if failures[0] == 0.0 { "ok" } else { "FAILED" };
            println!("{verdict}  {name}");
        }
    }
    if dist.is_root() {
        println!("distributed: {passed} passed, {failed} failed");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `Err(what)` unless `ok`.
fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    ok.then_some(()).ok_or_else(what)
}

fn fresh(seed: u64) -> Mlp {
    Mlp::new(&mut rand::rngs::StdRng::seed_from_u64(seed))
}

/// Whether `tree` is the same, bit for bit, on every rank: the sum over ranks of equal values
/// is exactly `RANKS` times the value (both are exact in binary floating point).
fn same_everywhere<P: Parameters + Clone>(dist: &Distributed, tree: &P) -> Result<bool, String> {
    let mut sum = tree.clone();
    dist.all_reduce_sum(&mut sum).map_err(|e| e.to_string())?;
    Ok((0..P::TENSORS).all(|k| {
        let pairs = sum.tensor(k).iter().zip(tree.tensor(k));
        pairs.into_iter().all(|(s, x)| *s == RANKS as f32 * x)
    }))
}

fn broadcast(dist: &mut Distributed) -> Result<(), String> {
    let mut model = fresh(100 + dist.rank() as u64);
    let differ = !same_everywhere(dist, &model)?;
    ensure(differ, || "the ranks' models were equal before".into())?;
    dist.broadcast_params(&mut model)
        .map_err(|e| e.to_string())?;
    ensure(model == fresh(100), || "not rank 0's model".into())?;
    ensure(same_everywhere(dist, &model)?, || "ranks differ".into())
}

/// The training set and the batches both ways of training see.
fn train_set() -> Vec<Sample> {
    let samples = data::digits().expect("the shipped data");
    data::split(&samples, 0.2, 0).0
}

/// The mean loss gradient of the samples at `indices` (a batch of `B`).
fn gradient<const B: usize>(model: &Mlp, set: &[Sample], indices: &[usize]) -> Box<Mlp> {
    let mut x = [[0.0; FEATURES]; B];
    let mut y = [0; B];
    for (b, &i) in indices.iter().enumerate() {
        x[b] = set[i].pixels;
        y[b] = set[i].label;
    }
    let mut grads = Box::new(Mlp::zero());
    batch_loss_grad(model, &mut grads, &x, &y);
    grads
}

/// Three epochs on two ranks: each rank its shard's batches of `LOCAL`, gradients averaged.
fn train_on_ranks<O: Optimizer<Params = Mlp>>(
    dist: &Distributed,
    mut opt: O,
) -> Result<Mlp, DistError> {
    let set = train_set();
    let mut model = fresh(dist.rank() as u64); // rank 0's wins
    dist.broadcast_params(&mut model)?;
    let sampler = dist.sampler(set.len())?.seed(SAMPLER_SEED);
    for epoch in 0..EPOCHS {
        for batch in sampler.indices(epoch).chunks_exact(LOCAL) {
            let mut grads = gradient::<LOCAL>(&model, &set, batch);
            dist.all_reduce_mean(&mut *grads)?;
            opt.step(&mut model, &grads);
        }
    }
    Ok(model)
}

/// One process, the same arithmetic as two ranks: each global batch's two shards' gradients,
/// added and halved. Equal to `train_on_ranks` bit for bit.
fn train_like_ranks<O: Optimizer<Params = Mlp>>(mut opt: O) -> Mlp {
    let set = train_set();
    let mut model = fresh(0);
    let shard = |r| {
        let s = DistributedSampler::new(set.len(), r, RANKS).unwrap();
        s.seed(SAMPLER_SEED)
    };
    for epoch in 0..EPOCHS {
        let (a, b) = (shard(0).indices(epoch), shard(1).indices(epoch));
        for (ba, bb) in a.chunks_exact(LOCAL).zip(b.chunks_exact(LOCAL)) {
            let mut grads = gradient::<LOCAL>(&model, &set, ba);
            let other = gradient::<LOCAL>(&model, &set, bb);
            for k in 0..Mlp::TENSORS {
                for (g, o) in grads.tensor_mut(k).iter_mut().zip(other.tensor(k)) {
                    *g = (*g + o) * 0.5;
                }
            }
            opt.step(&mut model, &grads);
        }
    }
    model
}

/// One process on the same global batches of `GLOBAL`, one batch loss over all 32 samples.
fn train_alone<O: Optimizer<Params = Mlp>>(mut opt: O) -> Mlp {
    let set = train_set();
    let mut model = fresh(0);
    let sampler = DistributedSampler::new(set.len(), 0, RANKS)
        .unwrap()
        .seed(SAMPLER_SEED);
    for epoch in 0..EPOCHS {
        for batch in sampler.epoch_order(epoch).chunks_exact(GLOBAL) {
            let grads = gradient::<GLOBAL>(&model, &set, batch);
            opt.step(&mut model, &grads);
        }
    }
    model
}

fn largest_difference(a: &Mlp, b: &Mlp) -> f32 {
    (0..Mlp::TENSORS)
        .flat_map(|k| {
            a.tensor(k)
                .iter()
                .zip(b.tensor(k))
                .map(|(x, y)| (x - y).abs())
        })
        .fold(0.0, f32::max)
}

fn test_dir() -> Result<PathBuf, String> {
    std::env::var_os(DIR_VAR)
        .map(PathBuf::from)
        .ok_or_else(|| format!("{DIR_VAR} is not set"))
}

fn sgd() -> Sgd<Mlp> {
    let config = SgdConfig {
        lr: 0.05,
        momentum: 0.9,
        ..Default::default()
    };
    Sgd::new(config).unwrap()
}

fn adam() -> Adam<Mlp> {
    let config = AdamConfig {
        lr: 5e-3,
        ..Default::default()
    };
    Adam::new(config).unwrap()
}

fn train_sgd(dist: &mut Distributed) -> Result<(), String> {
    let trained = train_on_ranks(dist, sgd()).map_err(|e| e.to_string())?;
    ensure(same_everywhere(dist, &trained)?, || "ranks differ".into())?;
    let exact = train_like_ranks(sgd());
    ensure(trained == exact, || "not bit for bit the same sums".into())?;
    let alone = train_alone(sgd());
    let diff = largest_difference(&trained, &alone);
    let moved = largest_difference(&trained, &fresh(0));
    if dist.is_root() {
        println!("    two ranks vs one process: largest difference {diff:.2e}, training moved weights by up to {moved:.2e}");
    }
    ensure(diff <= TOLERANCE, || {
        format!("differs from one process by {diff}")
    })?;
    ensure(moved > 1e3 * TOLERANCE, || {
        format!("training barely moved ({moved})")
    })?;

    // The file rank 0 saves is the file one process saves.
    let path = test_dir()?.join("sgd.safetensors");
    dist.save_params(&trained, &path)
        .map_err(|e| e.to_string())?;
    let bytes = std::fs::read(&path).map_err(|e| e.to_string())?;
    let expected = io::to_bytes(&exact).map_err(|e| e.to_string())?;
    ensure(bytes == expected, || "the saved file differs".into())?;
    let loaded: Mlp = io::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let diff = largest_difference(&loaded, &alone);
    ensure(diff <= TOLERANCE, || format!("the file differs by {diff}"))
}

fn train_adam(dist: &mut Distributed) -> Result<(), String> {
    let trained = train_on_ranks(dist, adam()).map_err(|e| e.to_string())?;
    ensure(same_everywhere(dist, &trained)?, || "ranks differ".into())?;
    ensure(trained == train_like_ranks(adam()), || {
        "not bit for bit the same sums".into()
    })?;
    let diff = largest_difference(&trained, &train_alone(adam()));
    if dist.is_root() {
        println!("    Adam, two ranks vs one process: largest difference {diff:.2e}");
    }
    ensure(diff <= TOLERANCE, || {
        format!("differs from one process by {diff}")
    })
}

/// Asserts `result` is the error `expected` says.
fn expect_err(
    result: Result<(), DistError>,
    expected: impl Fn(&DistError) -> bool,
) -> Result<(), String> {
    match result {
        Err(err) if expected(&err) => Ok(()),
        other => Err(format!("unexpected {other:?}")),
    }
}

fn mismatched_trees(dist: &mut Distributed) -> Result<(), String> {
    let root = dist.is_root();
    // Different sizes.
    let result = if root {
        dist.all_reduce_mean(&mut [1.0f32; 4])
    } else {
        dist.all_reduce_mean(&mut [1.0f32; 5])
    };
    let elements = if root { 4 } else { 5 };
    expect_err(
        result,
        |e| matches!(e, DistError::TreeMismatch { operation: "all_reduce_mean", elements: n, smallest: 4, largest: 5 } if *n == elements),
    )?;
    // The same size, other shapes.
    let result = if root {
        dist.all_reduce_sum(&mut [[1.0f32; 2]; 3])
    } else {
        dist.all_reduce_sum(&mut [[1.0f32; 3]; 2])
    };
    expect_err(result, |e| matches!(e, DistError::LayoutMismatch { .. }))?;
    // The same tree, different operations.
    let mut tree = [[1.0f32; 2]; 3];
    let result = if root {
        dist.broadcast_params(&mut tree)
    } else {
        dist.all_reduce_sum(&mut tree)
    };
    expect_err(result, |e| matches!(e, DistError::LayoutMismatch { .. }))?;
    ensure(tree == [[1.0; 2]; 3], || {
        "a refused exchange changed the tree".into()
    })?;
    // And the world still works afterwards.
    let mut ok = [dist.rank() as f32; 3];
    dist.all_reduce_sum(&mut ok).map_err(|e| e.to_string())?;
    ensure(ok == [1.0; 3], || format!("{ok:?}"))
}

/// A tree with a field that is no tensor: packed into buckets rather than sent from memory.
#[derive(Clone, Debug, PartialEq)]
struct Counted {
    w: [[f32; 3]; 2],
    b: [f32; 1],
    steps: u32,
}

impl Zero for Counted {
    fn zero() -> Self {
        Counted {
            w: [[0.0; 3]; 2],
            b: [0.0],
            steps: 0,
        }
    }
    fn set_zero(&mut self) {
        (self.w, self.b) = ([[0.0; 3]; 2], [0.0]);
    }
}

impl Parameters for Counted {
    const TENSORS: usize = 2;
    fn tensor(&self, k: usize) -> &[f32] {
        [self.w.as_flattened(), &self.b][k]
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
        match k {
            0 => self.w.as_flattened_mut(),
            _ => &mut self.b,
        }
    }
    fn shape(k: usize) -> backprop::Shape {
        [<[[f32; 3]; 2]>::SHAPE, <[f32; 1]>::SHAPE][k]
    }
    fn write_name(k: usize, out: &mut dyn std::fmt::Write) -> std::fmt::Result {
        out.write_str(["w", "b"][k])
    }
}

fn buckets(dist: &mut Distributed) -> Result<(), String> {
    let r = dist.rank() as f32;
    let before = dist.bucket_elements();
    let result = (|| {
        for bucket in [1, 3, 7, 100] {
            dist.set_bucket_elements(bucket);
            let mut tree = Counted {
                w: [[1.0 + r, 2.0, 3.0], [4.0, 5.0, 6.0 * r]],
                b: [r],
                steps: 17,
            };
            dist.all_reduce_sum(&mut tree).map_err(|e| e.to_string())?;
            let expected = Counted {
                w: [[3.0, 4.0, 6.0], [8.0, 10.0, 6.0]],
                b: [1.0],
                steps: 17,
            };
            ensure(tree == expected, || format!("bucket {bucket}: {tree:?}"))?;
            let mut model = fresh(dist.rank() as u64);
            dist.broadcast_params(&mut model)
                .map_err(|e| e.to_string())?;
            ensure(model == fresh(0), || format!("bucket {bucket}: broadcast"))?;
            let mut root_tree = tree.clone();
            root_tree.b = [r];
            dist.broadcast_params(&mut root_tree)
                .map_err(|e| e.to_string())?;
            ensure(root_tree.b == [0.0], || {
                format!("bucket {bucket}: packed broadcast")
            })?;
        }
        Ok(())
    })();
    dist.set_bucket_elements(before);
    result
}

fn resume(dist: &mut Distributed) -> Result<(), String> {
    let set = train_set();
    let order: Vec<usize> = (0..LOCAL * 5).collect();
    // Rank 0 has trained five steps; the others start fresh.
    let mut model = fresh(0);
    let mut opt = adam();
    if dist.is_root() {
        for batch in order.chunks_exact(LOCAL) {
            let grads = gradient::<LOCAL>(&model, &set, batch);
            opt.step(&mut model, &grads);
        }
    }
    let mut continued = (model, opt.state_dict());
    dist.broadcast_params(&mut model)
        .map_err(|e| e.to_string())?;
    dist.broadcast_optimizer(&mut opt)
        .map_err(|e| e.to_string())?;
    ensure(opt.steps() == 5, || format!("{} steps", opt.steps()))?;
    // One more step, the same everywhere and the same as rank 0 continuing alone.
    let grads = gradient::<LOCAL>(&model, &set, &order[..LOCAL]);
    opt.step(&mut model, &grads);
    ensure(same_everywhere(dist, &model)?, || "ranks differ".into())?;
    let mut alone = adam();
    alone
        .load_state_dict(&continued.1)
        .map_err(|e| e.to_string())?;
    alone.step(&mut continued.0, &grads);
    if dist.is_root() {
        ensure(model == continued.0, || "not rank 0's continuation".into())?;
    }
    // Rank 0's Adam state does not fit an SGD optimizer: an error on that rank, and on rank 0.
    let result = if dist.is_root() {
        dist.broadcast_optimizer(&mut opt)
    } else {
        dist.broadcast_optimizer(&mut sgd())
    };
    expect_err(result, |e| match e {
        DistError::State(_) => !dist.is_root(),
        DistError::PeerFailed { .. } => dist.is_root(),
        _ => false,
    })
}

fn saving(dist: &mut Distributed) -> Result<(), String> {
    let dir = test_dir()?;
    let model = fresh(3);
    let path = dir.join("saved.safetensors");
    dist.save_params(&model, &path).map_err(|e| e.to_string())?;
    let loaded: Mlp = io::load(&path).map_err(|e| e.to_string())?;
    ensure(loaded == model, || "the saved model differs".into())?;
    let state = dir.join("adam.safetensors");
    dist.save_optimizer(&adam(), &state)
        .map_err(|e| e.to_string())?;
    ensure(io::load_state(&state).is_ok(), || {
        "no optimizer state".into()
    })?;

    let nowhere = dir.join("no such directory").join("model.safetensors");
    let result = dist.save_params(&model, &nowhere);
    expect_err(result, |e| match e {
        DistError::File(io::FileError::Io(_)) => dist.is_root(),
        DistError::PeerFailed {
            operation: "save_params",
        } => !dist.is_root(),
        _ => false,
    })
}
