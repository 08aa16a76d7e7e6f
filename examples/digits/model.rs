//! The classifier, its loss and its training loop: the part of the example that
//! `tests/integration/examples/digits.rs` runs too.

use super::data::{Sample, CLASSES, FEATURES};
use backprop::loss::{cross_entropy, cross_entropy_batch};
use backprop::nn::{Linear, ReLU};
use backprop::optim::{Adam, AdamConfig, CosineAnnealingLr, LrScheduler, OptimError, Optimizer};
use backprop::{differentiable, Parameters, Zero};
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// Hidden units.
pub const HIDDEN: usize = 128;
/// Samples per gradient step.
pub const BATCH: usize = 32;

/// A 64-128-10 perceptron, PyTorch's
/// `nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))` with named layers.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Mlp {
    /// Pixels to hidden units.
    pub fc1: Linear<FEATURES, HIDDEN>,
    /// Hidden units to one logit per digit.
    pub fc2: Linear<HIDDEN, CLASSES>,
    /// The activation between them.
    pub relu: ReLU,
}

impl Mlp {
    /// A freshly initialised network (PyTorch's default initialisation).
    pub fn new<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        Mlp {
            fc1: Linear::new(rng),
            fc2: Linear::new(rng),
            relu: ReLU,
        }
    }

    /// The logits of a batch of images, one per row: PyTorch's batch-first forward, each
    /// layer one GEMM over the whole batch.
    #[differentiable]
    pub fn forward_batch<const B: usize>(&self, x: &[[f32; FEATURES]; B]) -> [[f32; CLASSES]; B] {
        let h = self.relu.forward(&self.fc1.forward_batch(x));
        self.fc2.forward_batch(&h)
    }

    /// The logits of one image.
    pub fn forward(&self, x: &[f32; FEATURES]) -> [f32; CLASSES] {
        self.forward_batch(&[*x])[0]
    }
}

/// The mean cross-entropy of a mini-batch. Its gradient, `batch_loss_grad(&model, &mut grads,
/// &x, &y)`, runs the batch's backward pass (two products for the first layer, whose input
/// needs no gradient; three for the second) and adds it into `grads`.
#[differentiable(wrt(model))]
#[allow(dead_code)] // the example trains on its gradient
pub fn batch_loss<const B: usize>(model: &Mlp, x: &[[f32; FEATURES]; B], y: &[usize; B]) -> f32 {
    cross_entropy_batch(&model.forward_batch(x), y)
}

/// The index of the largest logit (the first one on a tie).
pub fn argmax(logits: &[f32; CLASSES]) -> usize {
    let mut best = 0;
    for (j, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = j;
        }
    }
    best
}

/// Mean loss and accuracy over a data set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// Mean cross-entropy.
    pub loss: f32,
    /// Fraction classified correctly, in `[0, 1]`.
    pub accuracy: f32,
}

/// Evaluates the model on `samples` (no gradients).
pub fn evaluate(model: &Mlp, samples: &[Sample]) -> Metrics {
    let (mut loss, mut correct) = (0.0f64, 0usize);
    for s in samples {
        let logits = model.forward(&s.pixels);
        loss += f64::from(cross_entropy(&logits, s.label));
        correct += usize::from(argmax(&logits) == s.label);
    }
    let n = samples.len().max(1) as f64;
    Metrics {
        loss: (loss / n) as f32,
        accuracy: (correct as f64 / n) as f32,
    }
}

/// How to train.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training set.
    pub epochs: usize,
    /// Adam's learning rate.
    pub lr: f64,
    /// Seeds the initialisation and the order of the mini-batches.
    pub seed: u64,
}

/// What one epoch achieved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochReport {
    /// The epoch, from 1.
    pub epoch: usize,
    /// On the training set, after the epoch.
    pub train: Metrics,
    /// On the test set, after the epoch.
    pub test: Metrics,
}

/// Trains a fresh network with Adam on shuffled mini-batches of [`BATCH`] samples (a last,
/// partial batch is dropped; the next epoch's shuffle brings its samples back), calling
/// `report` after every epoch.
pub fn train(
    train_set: &[Sample],
    test_set: &[Sample],
    config: TrainConfig,
    mut report: impl FnMut(&EpochReport),
) -> Result<Mlp, OptimError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let mut model = Mlp::new(&mut rng);
    let mut grads = Mlp::zero();
    let mut opt = Adam::<Mlp>::new(AdamConfig {
        lr: config.lr,
        ..Default::default()
    })?;
    let mut schedule = CosineAnnealingLr::new(&mut opt, config.epochs as u64, 0.0)?;
    let mut order: Vec<usize> = (0..train_set.len()).collect();
    let mut x = [[0.0; FEATURES]; BATCH];
    let mut y = [0; BATCH];
    for epoch in 1..=config.epochs {
        order.shuffle(&mut rng);
        for batch in order.chunks_exact(BATCH) {
            for (b, &i) in batch.iter().enumerate() {
                x[b] = train_set[i].pixels;
                y[b] = train_set[i].label;
            }
            opt.zero_grad(&mut grads);
            batch_loss_grad(&model, &mut grads, &x, &y);
            opt.step(&mut model, &grads);
        }
        schedule.step(&mut opt)?;
        report(&EpochReport {
            epoch,
            train: evaluate(&model, train_set),
            test: evaluate(&model, test_set),
        });
    }
    Ok(model)
}
