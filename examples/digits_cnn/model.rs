//! The convolutional classifier, its loss and its training loop: the part of the example that
//! `tests/digits_cnn.rs` runs too. The metrics, the per-epoch report and the settings are the
//! digits example's (`super::model`), so both print and plot the same way.

use super::data::{Sample, CLASSES, FEATURES};
use super::model::{argmax, EpochReport, Metrics, TrainConfig};
use backprop::loss::{cross_entropy, cross_entropy_batch};
use backprop::nn::{Conv2d, Flatten, Linear, MaxPool2d, ReLU};
use backprop::optim::{Adam, AdamConfig, CosineAnnealingLr, LrScheduler, OptimError, Optimizer};
use backprop::{differentiable, Parameters, Zero};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

/// Samples per gradient step.
pub const BATCH: usize = 32;
/// The image side: the 64 pixels are an 8x8 image.
pub const SIDE: usize = 8;

/// One grey image, `[channel][row][column]`.
pub type Image = [[[f32; SIDE]; SIDE]; 1];

/// Two 3x3 convolutions with ReLU and 2x2 max pooling, then a linear layer: PyTorch's
/// `nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
/// nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
/// nn.Linear(128, 10))` with named layers (`scripts/digits_cnn_torch.py` builds it).
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Cnn {
    /// 1 channel to 16, 8x8 maps (padding 1 keeps the size).
    pub conv1: Conv2d<1, 16, 3, 3, 1, 1>,
    /// 16 channels to 32, 4x4 maps.
    pub conv2: Conv2d<16, 32, 3, 3, 1, 1>,
    /// The 32 2x2 maps, flattened, to one logit per digit.
    pub fc: Linear<128, CLASSES>,
    /// The activation after each convolution.
    pub relu: ReLU,
    /// Halves each side.
    pub pool: MaxPool2d<2>,
    /// `[32][2][2]` to 128.
    pub flatten: Flatten,
}

impl Cnn {
    /// A freshly initialised network (PyTorch's default initialisation).
    pub fn new<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
        Cnn {
            conv1: Conv2d::new(rng),
            conv2: Conv2d::new(rng),
            fc: Linear::new(rng),
            relu: ReLU,
            pool: MaxPool2d,
            flatten: Flatten,
        }
    }

    /// The logits of a batch of images. Each line is a layer, its output's shape spelled out:
    /// the shapes are the convolutions' and poolings' sizes, checked at compile time.
    #[differentiable]
    pub fn forward_batch<const B: usize>(&self, x: &[Image; B]) -> [[f32; CLASSES]; B] {
        let h: [[[[f32; 8]; 8]; 16]; B] = self.conv1.forward(x);
        let h: [[[[f32; 8]; 8]; 16]; B] = self.relu.forward(&h);
        let h: [[[[f32; 4]; 4]; 16]; B] = self.pool.forward(&h);
        let h: [[[[f32; 4]; 4]; 32]; B] = self.conv2.forward(&h);
        let h: [[[[f32; 4]; 4]; 32]; B] = self.relu.forward(&h);
        let h: [[[[f32; 2]; 2]; 32]; B] = self.pool.forward(&h);
        let h: [[f32; 128]; B] = self.flatten.forward(&h);
        self.fc.forward_batch(&h)
    }

    /// The logits of one image.
    pub fn forward(&self, pixels: &[f32; FEATURES]) -> [f32; CLASSES] {
        self.forward_batch(&[image(pixels)])[0]
    }
}

/// The 64 row-major pixels as an 8x8 one-channel image.
pub fn image(pixels: &[f32; FEATURES]) -> Image {
    let mut image = [[[0.0; SIDE]; SIDE]; 1];
    image
        .as_flattened_mut()
        .as_flattened_mut()
        .copy_from_slice(pixels);
    image
}

/// The image moved by `dy` rows and `dx` columns (each in `-1..=1`), zeros filling in: the
/// training set's augmentation, as a digit written a pixel off is the same digit.
pub fn shifted(image: &Image, dy: i32, dx: i32) -> Image {
    let mut out = [[[0.0; SIDE]; SIDE]; 1];
    for (r, row) in out[0].iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            let (sr, sc) = (r as i32 - dy, c as i32 - dx);
            if (0..SIDE as i32).contains(&sr) && (0..SIDE as i32).contains(&sc) {
                *v = image[0][sr as usize][sc as usize];
            }
        }
    }
    out
}

/// The mean cross-entropy of a mini-batch; `batch_loss_grad` is its backward pass (no input
/// gradient for the first convolution: its pullback skips that product).
#[differentiable(wrt(model))]
#[allow(dead_code)] // the example trains on its gradient
pub fn batch_loss<const B: usize>(model: &Cnn, x: &[Image; B], y: &[usize; B]) -> f32 {
    cross_entropy_batch(&model.forward_batch(x), y)
}

/// Evaluates the model on `samples` (no gradients).
pub fn evaluate(model: &Cnn, samples: &[Sample]) -> Metrics {
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

/// A trained network and the time its gradient steps took (the evaluations after each epoch
/// left out), the figure `scripts/digits_cnn_torch.py` measures too.
pub struct Trained {
    /// The network after the last epoch.
    pub model: Cnn,
    /// Time spent in the epochs' gradient steps.
    pub training: Duration,
}

/// Trains a fresh network with Adam on shuffled mini-batches of [`BATCH`] samples (a last,
/// partial batch is dropped), calling `report` after every epoch.
pub fn train(
    train_set: &[Sample],
    test_set: &[Sample],
    config: TrainConfig,
    mut report: impl FnMut(&EpochReport),
) -> Result<Trained, OptimError> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(config.seed);
    let mut model = Cnn::new(&mut rng);
    let mut grads = Cnn::zero();
    let mut opt = Adam::<Cnn>::new(AdamConfig {
        lr: config.lr,
        ..Default::default()
    })?;
    let mut schedule = CosineAnnealingLr::new(&mut opt, config.epochs as u64, 0.0)?;
    let mut order: Vec<usize> = (0..train_set.len()).collect();
    let mut x = [image(&[0.0; FEATURES]); BATCH];
    let mut y = [0; BATCH];
    let mut training = Duration::ZERO;
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        order.shuffle(&mut rng);
        for batch in order.chunks_exact(BATCH) {
            for (b, &i) in batch.iter().enumerate() {
                let (dy, dx) = (rng.random_range(-1..=1), rng.random_range(-1..=1));
                x[b] = shifted(&image(&train_set[i].pixels), dy, dx);
                y[b] = train_set[i].label;
            }
            opt.zero_grad(&mut grads);
            batch_loss_grad(&model, &mut grads, &x, &y);
            opt.step(&mut model, &grads);
        }
        schedule.step(&mut opt)?;
        training += start.elapsed();
        report(&EpochReport {
            epoch,
            train: evaluate(&model, train_set),
            test: evaluate(&model, test_set),
        });
    }
    Ok(Trained { model, training })
}
