//! `LayerNorm<N>`: PyTorch's `nn.LayerNorm(N)`, over the last dimension.

use super::hyper::{Hyper, HyperparameterError};
use super::Init;
use crate::{differentiable, math, Parameters};
use rand::Rng;

/// The bits of PyTorch's default `eps`, `1e-5`.
const DEFAULT_EPS: u32 = 1e-5f32.to_bits();

/// Normalises each row of `N` features to mean 0 and variance 1 (the biased variance, plus
/// `eps`), then scales by `weight` and shifts by `bias`, element by element: PyTorch's
/// `nn.LayerNorm(N)` (`elementwise_affine=True`), with its tensors `weight` and `bias` (`[N]`).
/// One sample `[f32; N]` ([`forward`](Self::forward)) or a batch `[[f32; N]; B]`
/// ([`forward_batch`](Self::forward_batch)). The same in training and evaluation. Both have
/// their forward mode, [`forward_jvp`](Self::forward_jvp) and
/// [`forward_batch_jvp`](Self::forward_batch_jvp).
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::LayerNorm;
///
/// let norm = LayerNorm::<4>::new();
/// let y = norm.forward_batch(&[[1.0, 2.0, 3.0, 4.0], [2.0; 4]]);
/// assert!(y[0].iter().sum::<f32>().abs() < 1e-6);
/// assert!((y[0][3] - 1.341_635_2).abs() < 1e-5); // 1.5 / sqrt(1.25 + 1e-5)
/// assert_eq!(y[1], [0.0; 4]); // a constant row
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct LayerNorm<const N: usize> {
    /// `[N]`, ones at first.
    pub weight: [f32; N],
    /// `[N]`, zeros at first.
    pub bias: [f32; N],
    eps: Hyper<DEFAULT_EPS>,
}

impl<const N: usize> LayerNorm<N> {
    /// PyTorch's initialisation: weight 1, bias 0; `eps = 1e-5`.
    pub fn new() -> Self {
        LayerNorm {
            weight: [1.0; N],
            bias: [0.0; N],
            eps: Hyper::default(),
        }
    }

    /// The same layer with another `eps` (finite, `>= 0`).
    pub fn with_eps(self, eps: f32) -> Result<Self, HyperparameterError> {
        let eps = HyperparameterError::check(
            "LayerNorm",
            "eps",
            eps,
            "[0, inf)",
            eps >= 0.0 && eps.is_finite(),
        )?;
        Ok(LayerNorm {
            eps: Hyper::new(eps),
            ..self
        })
    }

    /// The constant added to the variance.
    pub fn eps(&self) -> f32 {
        self.eps.get()
    }

    /// One sample.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward(&self, x: &[f32; N]) -> [f32; N] {
        self.forward_batch(core::array::from_ref(x))[0]
    }

    /// [`Self::forward`] and its pullback: those of a batch of one.
    #[allow(clippy::type_complexity)]
    pub fn forward_fwd(
        &self,
        x: &[f32; N],
    ) -> (
        [f32; N],
        impl FnOnce(&Self, Option<&mut Self>, &[f32; N], Option<&mut [f32; N]>, &[f32; N]),
    ) {
        let ([y], pullback) = self.forward_batch_fwd(core::array::from_ref(x));
        (
            y,
            move |norm: &Self,
                  d_norm: Option<&mut Self>,
                  x: &[f32; N],
                  d_x: Option<&mut [f32; N]>,
                  d_out: &[f32; N]| {
                let one = core::array::from_ref;
                pullback(
                    norm,
                    d_norm,
                    one(x),
                    d_x.map(core::array::from_mut),
                    one(d_out),
                )
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode): those of a batch of one.
    pub fn forward_jvp(
        &self,
        self_dot: &Self,
        x: &[f32; N],
        x_dot: &[f32; N],
    ) -> ([f32; N], [f32; N]) {
        let one = core::array::from_ref;
        let ([y], [y_dot]) = self.forward_batch_jvp(self_dot, one(x), one(x_dot));
        (y, y_dot)
    }

    /// Each row of a batch `[B, N]`.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward_batch<const B: usize>(&self, x: &[[f32; N]; B]) -> [[f32; N]; B] {
        self.forward_batch_fwd(x).0
    }

    /// [`Self::forward_batch`] and its pullback, which keeps the normalised rows and their
    /// reciprocal standard deviations.
    #[allow(clippy::type_complexity)]
    pub fn forward_batch_fwd<const B: usize>(
        &self,
        x: &[[f32; N]; B],
    ) -> (
        [[f32; N]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[f32; N]; B],
            Option<&mut [[f32; N]; B]>,
            &[[f32; N]; B],
        ),
    ) {
        let eps = self.eps();
        let mut x_hat = *x;
        let mut rstd = [0.0; B];
        for (row, r) in x_hat.iter_mut().zip(&mut rstd) {
            let mean = row.iter().sum::<f32>() / N as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / N as f32;
            *r = 1.0 / math::sqrt(var + eps);
            row.iter_mut().for_each(|v| *v = (*v - mean) * *r);
        }
        let mut y = x_hat;
        for row in &mut y {
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = *v * w + b;
            }
        }
        let pullback = move |norm: &Self,
                             d_norm: Option<&mut Self>,
                             _: &[[f32; N]; B],
                             d_x: Option<&mut [[f32; N]; B]>,
                             d_out: &[[f32; N]; B]| {
            if let Some(d_norm) = d_norm {
                for (row, d_row) in x_hat.iter().zip(d_out) {
                    for i in 0..N {
                        d_norm.weight[i] += d_row[i] * row[i];
                        d_norm.bias[i] += d_row[i];
                    }
                }
            }
            let Some(d_x) = d_x else { return };
            for b in 0..B {
                // d_x = rstd (g - mean(g) - x_hat mean(g x_hat)), g = d_out * weight.
                let g = |i: usize| d_out[b][i] * norm.weight[i];
                let mean_g = (0..N).map(g).sum::<f32>() / N as f32;
                let mean_gx = (0..N).map(|i| g(i) * x_hat[b][i]).sum::<f32>() / N as f32;
                for i in 0..N {
                    d_x[b][i] += rstd[b] * (g(i) - mean_g - x_hat[b][i] * mean_gx);
                }
            }
        };
        (y, pullback)
    }

    /// [`Self::forward_batch`] and its tangent (forward mode), along the tangents of the
    /// weight and bias in `self_dot` and of the input: per row, with `x_hat` the normalised
    /// row, `y_dot = weight_dot x_hat + weight x_hat_dot + bias_dot` and `x_hat_dot =
    /// rstd (x_dot - mean(x_dot) - x_hat mean(x_hat x_dot))` (the row's statistics move with
    /// it).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::LayerNorm;
    /// use backprop::Zero;
    ///
    /// // Normalisation ignores a shift of the row: along x_dot = (1, 1, 1) the tangent is zero.
    /// let norm = LayerNorm::<3>::new();
    /// let (_, y_dot) = norm.forward_batch_jvp(&LayerNorm::zero(), &[[1.0, 2.0, 4.0]], &[[1.0; 3]]);
    /// assert!(y_dot[0].iter().all(|t| t.abs() < 1e-6));
    /// ```
    pub fn forward_batch_jvp<const B: usize>(
        &self,
        self_dot: &Self,
        x: &[[f32; N]; B],
        x_dot: &[[f32; N]; B],
    ) -> ([[f32; N]; B], [[f32; N]; B]) {
        let eps = self.eps();
        // Overwritten in place: y from x, y_dot from x_dot.
        let (mut y, mut y_dot) = (*x, *x_dot);
        for (row, row_dot) in y.iter_mut().zip(&mut y_dot) {
            let mean = row.iter().sum::<f32>() / N as f32;
            let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / N as f32;
            let rstd = 1.0 / math::sqrt(var + eps);
            row.iter_mut().for_each(|v| *v = (*v - mean) * rstd);
            let mean_dot = row_dot.iter().sum::<f32>() / N as f32;
            let mean_hat_dot =
                row.iter().zip(&*row_dot).map(|(h, d)| h * d).sum::<f32>() / N as f32;
            for i in 0..N {
                let x_hat = row[i];
                let x_hat_dot = rstd * (row_dot[i] - mean_dot - x_hat * mean_hat_dot);
                row[i] = x_hat * self.weight[i] + self.bias[i];
                row_dot[i] =
                    self_dot.weight[i] * x_hat + self.weight[i] * x_hat_dot + self_dot.bias[i];
            }
        }
        (y, y_dot)
    }
}

impl<const N: usize> Default for LayerNorm<N> {
    fn default() -> Self {
        LayerNorm::new()
    }
}

/// PyTorch's `reset_parameters`: weight 1, bias 0 (nothing random); `eps` stays.
impl<const N: usize> Init for LayerNorm<N> {
    fn init<R: Rng + ?Sized>(&mut self, _rng: &mut R) {
        self.weight = [1.0; N];
        self.bias = [0.0; N];
    }
}
