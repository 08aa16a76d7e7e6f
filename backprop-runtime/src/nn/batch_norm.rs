//! `BatchNorm1d<C>` and `BatchNorm2d<C>`: PyTorch's `nn.BatchNorm1d(C)` and `nn.BatchNorm2d(C)`.
//! One generic struct, [`BatchNorm<C, D>`], because the two differ only in the inputs they take
//! (`D` is the number of dimensions after the channel one, counting PyTorch's 1d-without-length
//! case as 1); the arithmetic is the same over `[batch][channel][positions]`.

use super::hyper::{Hyper, HyperparameterError};
use super::{Buffer, Count, Init, Mode};
use crate::{differentiable, math, Parameters, Tensor};
use rand::Rng;

/// The bits of PyTorch's default `eps`, `1e-5`.
const DEFAULT_EPS: u32 = 1e-5f32.to_bits();
/// The bits of PyTorch's default `momentum`, `0.1`.
const DEFAULT_MOMENTUM: u32 = 0.1f32.to_bits();

/// `nn.BatchNorm1d(C)`: over `[B, C]` (`forward_batch`) or `[B, C, L]` (`forward_batch_seq`).
pub type BatchNorm1d<const C: usize> = BatchNorm<C, 1>;
/// `nn.BatchNorm2d(C)`: over `[B, C, H, W]` (`forward_batch`).
pub type BatchNorm2d<const C: usize> = BatchNorm<C, 2>;

/// Batch normalisation over `C` channels: each channel normalised to mean 0 and variance 1,
/// then scaled by `weight` and shifted by `bias`, with PyTorch's tensors (`weight`, `bias`)
/// and buffers (`running_mean`, `running_var`, `num_batches_tracked`) under PyTorch's names.
/// Use it as [`BatchNorm1d`] or [`BatchNorm2d`].
///
/// In [`Mode::Train`] it normalises by the batch's mean and biased variance (over the batch
/// and the positions) and updates the running statistics, in the plain forward pass and in the
/// gradient's alike, as PyTorch's forward does: `running = (1 - momentum) running + momentum
/// batch`, the variance unbiased, `num_batches_tracked` counting the batches (with momentum
/// `None`, a cumulative average over them). The update goes through `&self` (the buffers are
/// atomics, see [`Buffer`]). In [`Mode::Eval`], the layer's first mode, it normalises by the
/// running statistics and changes nothing. A training batch of one value per channel has no
/// variance: it normalises to `bias` and leaves `running_var` (PyTorch refuses it).
///
/// Each forward form has its forward mode (`forward_batch_jvp`, `forward_batch_seq_jvp`): the
/// tangent through the batch's statistics in training (whose running statistics it updates
/// once, as the forward pass does), through the running ones, constants, in evaluation.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::BatchNorm1d;
/// use backprop::Parameters;
///
/// let mut bn = BatchNorm1d::<2>::new();
/// let x = [[1.0, 10.0], [3.0, 30.0]];
/// let y = bn.forward_batch(&x); // evaluation: by the running statistics, 0 and 1
/// assert!((y[1][1] - 30.0).abs() < 1e-3 && bn.num_batches_tracked.get() == 0);
///
/// bn.train();
/// let y = bn.forward_batch(&x);
/// assert!((y[0][0] + 1.0).abs() < 1e-4 && (y[1][1] - 1.0).abs() < 1e-4);
/// assert_eq!(bn.running_mean.values(), [0.2, 2.0]); // 0.1 of the batch means 2 and 20
/// assert_eq!(bn.num_batches_tracked.get(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Parameters)]
pub struct BatchNorm<const C: usize, const D: usize> {
    /// `[C]`, ones at first.
    pub weight: [f32; C],
    /// `[C]`, zeros at first.
    pub bias: [f32; C],
    /// `[C]`, a buffer: zeros at first.
    pub running_mean: Buffer<C>,
    /// `[C]`, a buffer: ones at first.
    pub running_var: Buffer<C>,
    /// A buffer, `I64` in files: the training batches seen.
    pub num_batches_tracked: Count,
    mode: Mode,
    eps: Hyper<DEFAULT_EPS>,
    /// NaN for PyTorch's `momentum=None`.
    momentum: Hyper<DEFAULT_MOMENTUM>,
}

impl<const C: usize, const D: usize> BatchNorm<C, D> {
    /// PyTorch's initialisation: weight 1, bias 0, running mean 0 and variance 1, no batch
    /// tracked; `eps = 1e-5`, `momentum = 0.1`; evaluation mode.
    pub fn new() -> Self {
        let mut bn = <Self as crate::Zero>::zero();
        bn.reset();
        bn
    }

    /// The same layer with another `eps` (finite, `>= 0`).
    pub fn with_eps(self, eps: f32) -> Result<Self, HyperparameterError> {
        let ok = eps >= 0.0 && eps.is_finite();
        let eps = HyperparameterError::check("BatchNorm", "eps", eps, "[0, inf)", ok)?;
        Ok(BatchNorm {
            eps: Hyper::new(eps),
            ..self
        })
    }

    /// The same layer with another momentum: `Some(m)` with `m` in `[0, 1]`, or `None` for a
    /// cumulative average of the batches' statistics.
    pub fn with_momentum(self, momentum: Option<f32>) -> Result<Self, HyperparameterError> {
        let m = match momentum {
            Some(m) => {
                let ok = (0.0..=1.0).contains(&m);
                HyperparameterError::check("BatchNorm", "momentum", m, "[0, 1]", ok)?
            }
            None => f32::NAN,
        };
        Ok(BatchNorm {
            momentum: Hyper::new(m),
            ..self
        })
    }

    /// The constant added to the variance.
    pub fn eps(&self) -> f32 {
        self.eps.get()
    }

    /// The weight of a new batch in the running statistics; `None`: a cumulative average.
    pub fn momentum(&self) -> Option<f32> {
        Some(self.momentum.get()).filter(|m| !m.is_nan())
    }

    /// The layer's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// PyTorch's `reset_parameters`: weight 1, bias 0, and the running statistics anew.
    fn reset(&mut self) {
        self.weight = [1.0; C];
        self.bias = [0.0; C];
        self.running_mean = Buffer::new([0.0; C]);
        self.running_var = Buffer::new([1.0; C]);
        self.num_batches_tracked = Count::new(0);
    }

    /// The statistics `x` (laid out `[batch][C][positions]`) is normalised by, per channel:
    /// its mean and reciprocal standard deviation, the batch's in training (the running
    /// statistics updated) and the running ones in evaluation; then the values per channel and
    /// the length of a run of one channel's values.
    fn statistics<T: Tensor>(&self, x: &T) -> ([f32; C], [f32; C], usize, usize) {
        let n = x.flat().len() / C; // values per channel
                                    // The values come in runs of `positions`, one channel's each, channels in turn.
        let positions = n / T::SHAPE.dims()[0];
        let (mut mean, mut rstd) = ([0.0f32; C], [0.0f32; C]);
        if self.mode == Mode::Train {
            let mut var = [0.0f32; C];
            for (k, run) in x.flat().chunks_exact(positions).enumerate() {
                mean[k % C] += run.iter().sum::<f32>();
            }
            mean.iter_mut().for_each(|m| *m /= n as f32);
            for (k, run) in x.flat().chunks_exact(positions).enumerate() {
                let m = mean[k % C];
                var[k % C] += run.iter().map(|v| (v - m) * (v - m)).sum::<f32>();
            }
            var.iter_mut().for_each(|v| *v /= n as f32);
            self.track(&mean, &var, n);
            for c in 0..C {
                rstd[c] = 1.0 / math::sqrt(var[c] + self.eps());
            }
        } else {
            for c in 0..C {
                mean[c] = self.running_mean.get(c);
                rstd[c] = 1.0 / math::sqrt(self.running_var.get(c) + self.eps());
            }
        }
        (mean, rstd, n, positions)
    }

    /// The forward pass over `x` laid out `[batch][C][positions]`, with its pullback; in
    /// training, the running statistics updated.
    #[allow(clippy::type_complexity)]
    fn normalise_fwd<T: Tensor>(
        &self,
        x: &T,
    ) -> (
        T,
        impl FnOnce(&Self, Option<&mut Self>, &T, Option<&mut T>, &T),
    ) {
        let (mean, rstd, n, positions) = self.statistics(x);
        let train = self.mode == Mode::Train;
        let (mut x_hat, mut y) = (*x, *x);
        let runs = x_hat.flat_mut().chunks_exact_mut(positions);
        for (k, (xh, y)) in runs
            .zip(y.flat_mut().chunks_exact_mut(positions))
            .enumerate()
        {
            let c = k % C;
            for (xh, y) in xh.iter_mut().zip(y) {
                *xh = (*xh - mean[c]) * rstd[c];
                *y = *xh * self.weight[c] + self.bias[c];
            }
        }
        let pullback =
            move |bn: &Self, d_bn: Option<&mut Self>, _: &T, d_x: Option<&mut T>, d_out: &T| {
                let runs = || {
                    let u = d_out.flat().chunks_exact(positions);
                    u.zip(x_hat.flat().chunks_exact(positions)).enumerate()
                };
                // Per channel: the sums of d_out and of d_out * x_hat.
                let (mut sum_u, mut sum_ux) = ([0.0f32; C], [0.0f32; C]);
                for (k, (u, xh)) in runs() {
                    sum_u[k % C] += u.iter().sum::<f32>();
                    sum_ux[k % C] += u.iter().zip(xh).map(|(u, xh)| u * xh).sum::<f32>();
                }
                if let Some(d_bn) = d_bn {
                    for c in 0..C {
                        d_bn.weight[c] += sum_ux[c];
                        d_bn.bias[c] += sum_u[c];
                    }
                }
                let Some(d_x) = d_x else { return };
                let d_runs = d_x.flat_mut().chunks_exact_mut(positions);
                for (d, (k, (u, xh))) in d_runs.zip(runs()) {
                    let c = k % C;
                    let g = bn.weight[c] * rstd[c];
                    // In training the batch's statistics depend on x too.
                    let (mean_u, mean_ux) = if train {
                        (sum_u[c] / n as f32, sum_ux[c] / n as f32)
                    } else {
                        (0.0, 0.0)
                    };
                    for ((d, u), xh) in d.iter_mut().zip(u).zip(xh) {
                        *d += g * (u - mean_u - xh * mean_ux);
                    }
                }
            };
        (y, pullback)
    }

    /// The forward pass over `x` laid out `[batch][C][positions]` and its tangent along
    /// `self_dot` (the weight's and bias's tangents) and `x_dot`; in training, the running
    /// statistics updated once, as by one forward pass. With `x_hat` the normalised input,
    /// `y_dot = weight_dot x_hat + weight x_hat_dot + bias_dot`, where in training the batch's
    /// statistics move with `x` (per channel, `x_hat_dot = rstd (x_dot - mean(x_dot) - x_hat
    /// mean(x_hat x_dot))`) and in evaluation the running ones are constants (`x_hat_dot =
    /// rstd x_dot`).
    fn normalise_jvp<T: Tensor>(&self, self_dot: &Self, x: &T, x_dot: &T) -> (T, T) {
        let (mean, rstd, n, positions) = self.statistics(x);
        // Per channel, in training: mean(x_dot) and mean(x_hat x_dot).
        let (mut mean_dot, mut mean_hat_dot) = ([0.0f32; C], [0.0f32; C]);
        if self.mode == Mode::Train {
            let pairs = x
                .flat()
                .chunks_exact(positions)
                .zip(x_dot.flat().chunks_exact(positions));
            for (k, (run, run_dot)) in pairs.enumerate() {
                let (m, r) = (mean[k % C], rstd[k % C]);
                mean_dot[k % C] += run_dot.iter().sum::<f32>();
                mean_hat_dot[k % C] += run
                    .iter()
                    .zip(run_dot)
                    .map(|(v, d)| (v - m) * r * d)
                    .sum::<f32>();
            }
            for c in 0..C {
                mean_dot[c] /= n as f32;
                mean_hat_dot[c] /= n as f32;
            }
        }
        // Overwritten in place: y from x, y_dot from x_dot.
        let (mut y, mut y_dot) = (*x, *x_dot);
        let runs = y
            .flat_mut()
            .chunks_exact_mut(positions)
            .zip(y_dot.flat_mut().chunks_exact_mut(positions));
        for (k, (run, run_dot)) in runs.enumerate() {
            let c = k % C;
            let (w, w_dot) = (self.weight[c], self_dot.weight[c]);
            for (v, d) in run.iter_mut().zip(run_dot) {
                let x_hat = (*v - mean[c]) * rstd[c];
                let x_hat_dot = rstd[c] * (*d - mean_dot[c] - x_hat * mean_hat_dot[c]);
                *v = x_hat * w + self.bias[c];
                *d = w_dot * x_hat + w * x_hat_dot + self_dot.bias[c];
            }
        }
        (y, y_dot)
    }

    /// One training batch into the running statistics (PyTorch's update).
    fn track(&self, mean: &[f32; C], biased_var: &[f32; C], n: usize) {
        let tracked = self.num_batches_tracked.bump().saturating_add(1);
        let m = self.momentum().unwrap_or(1.0 / tracked as f32);
        for c in 0..C {
            let old = self.running_mean.get(c);
            self.running_mean.set(c, (1.0 - m) * old + m * mean[c]);
            if n > 1 {
                let unbiased = biased_var[c] * n as f32 / (n - 1) as f32;
                let old = self.running_var.get(c);
                self.running_var.set(c, (1.0 - m) * old + m * unbiased);
            }
        }
    }
}

impl<const C: usize> BatchNorm<C, 1> {
    /// Over a batch `[B, C]`: per channel, over the batch.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward_batch<const B: usize>(&self, x: &[[f32; C]; B]) -> [[f32; C]; B] {
        self.normalise_fwd(x).0
    }

    /// [`Self::forward_batch`] and its pullback, which keeps the normalised batch.
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_fwd<const B: usize>(
        &self,
        x: &[[f32; C]; B],
    ) -> (
        [[f32; C]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[f32; C]; B],
            Option<&mut [[f32; C]; B]>,
            &[[f32; C]; B],
        ),
    ) {
        self.normalise_fwd(x)
    }

    /// [`Self::forward_batch`] and its tangent (forward mode): through the batch's statistics in
    /// training, the running ones (constants) in evaluation; the running statistics updated as
    /// by [`Self::forward_batch`].
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_jvp<const B: usize>(
        &self,
        self_dot: &Self,
        x: &[[f32; C]; B],
        x_dot: &[[f32; C]; B],
    ) -> ([[f32; C]; B], [[f32; C]; B]) {
        self.normalise_jvp(self_dot, x, x_dot)
    }

    /// Over a batch of sequences `[B, C, L]`: per channel, over the batch and the positions.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward_batch_seq<const B: usize, const L: usize>(
        &self,
        x: &[[[f32; L]; C]; B],
    ) -> [[[f32; L]; C]; B] {
        self.normalise_fwd(x).0
    }

    /// [`Self::forward_batch_seq`] and its pullback, which keeps the normalised batch.
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_seq_fwd<const B: usize, const L: usize>(
        &self,
        x: &[[[f32; L]; C]; B],
    ) -> (
        [[[f32; L]; C]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[[f32; L]; C]; B],
            Option<&mut [[[f32; L]; C]; B]>,
            &[[[f32; L]; C]; B],
        ),
    ) {
        self.normalise_fwd(x)
    }

    /// [`Self::forward_batch_seq`] and its tangent (forward mode): as [`Self::forward_batch_jvp`].
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_seq_jvp<const B: usize, const L: usize>(
        &self,
        self_dot: &Self,
        x: &[[[f32; L]; C]; B],
        x_dot: &[[[f32; L]; C]; B],
    ) -> ([[[f32; L]; C]; B], [[[f32; L]; C]; B]) {
        self.normalise_jvp(self_dot, x, x_dot)
    }
}

impl<const C: usize> BatchNorm<C, 2> {
    /// Over a batch of images `[B, C, H, W]`: per channel, over the batch and the pixels.
    /// A big batch is best kept on the heap by the caller, as for every layer.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward_batch<const B: usize, const H: usize, const W: usize>(
        &self,
        x: &[[[[f32; W]; H]; C]; B],
    ) -> [[[[f32; W]; H]; C]; B] {
        self.normalise_fwd(x).0
    }

    /// [`Self::forward_batch`] and its pullback, which keeps the normalised batch.
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_fwd<const B: usize, const H: usize, const W: usize>(
        &self,
        x: &[[[[f32; W]; H]; C]; B],
    ) -> (
        [[[[f32; W]; H]; C]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[[[f32; W]; H]; C]; B],
            Option<&mut [[[[f32; W]; H]; C]; B]>,
            &[[[[f32; W]; H]; C]; B],
        ),
    ) {
        self.normalise_fwd(x)
    }

    /// [`Self::forward_batch`] and its tangent (forward mode): through the batch's statistics in
    /// training, the running ones (constants) in evaluation; the running statistics updated as
    /// by [`Self::forward_batch`].
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_jvp<const B: usize, const H: usize, const W: usize>(
        &self,
        self_dot: &Self,
        x: &[[[[f32; W]; H]; C]; B],
        x_dot: &[[[[f32; W]; H]; C]; B],
    ) -> ([[[[f32; W]; H]; C]; B], [[[[f32; W]; H]; C]; B]) {
        self.normalise_jvp(self_dot, x, x_dot)
    }
}

impl<const C: usize, const D: usize> Default for BatchNorm<C, D> {
    fn default() -> Self {
        BatchNorm::new()
    }
}

/// PyTorch's `reset_parameters` (nothing random); the hyperparameters and the mode stay.
impl<const C: usize, const D: usize> Init for BatchNorm<C, D> {
    fn init<R: Rng + ?Sized>(&mut self, _rng: &mut R) {
        self.reset();
    }
}
