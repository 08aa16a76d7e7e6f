//! Adagrad with learning-rate decay and weight decay (`torch.optim.Adagrad`).

use super::driver::{RuleOptimizer, UpdateRule};
use super::group::optim_config;
use crate::tensor::Real;

/// The hyperparameters of [`Adagrad`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradConfig {
    /// Learning rate (default `1e-2`).
    pub lr: f64,
    /// Learning-rate decay: step `t` uses `lr / (1 + (t - 1) * lr_decay)` (default `0`).
    pub lr_decay: f64,
    /// L2 penalty added to the gradient (default `0`).
    pub weight_decay: f64,
    /// Starting value of the sum of squared gradients (default `0`). Each group uses its own;
    /// PyTorch takes the value given to its constructor for every group.
    pub initial_accumulator_value: f64,
    /// Added to the denominator for stability (default `1e-10`).
    pub eps: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        AdagradConfig {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

optim_config! {
    AdagradConfig:
    non_negative("lr", lr), non_negative("lr_decay", lr_decay),
    non_negative("weight_decay", weight_decay),
    non_negative("initial_accumulator_value", initial_accumulator_value), non_negative("eps", eps)
}

impl<F: Real> UpdateRule<1, F> for AdagradConfig {
    const NAME: &'static str = "Adagrad";
    const BUFFERS: [&'static str; 1] = ["sum"];

    fn initial_value(&self, _buffer: usize) -> F {
        F::from_f64(self.initial_accumulator_value)
    }

    #[inline(always)]
    fn update(&self, t: u64, p: &mut [F], grad: &[F], [sum]: [&mut [F]; 1]) {
        update(self, t, p, grad, sum);
    }
}

/// Adagrad, PyTorch's algorithm (`t` counts steps from 1):
///
/// ```text
/// g = ±grad + weight_decay * p
/// s = s + g²                   (s starts at initial_accumulator_value)
/// p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)
/// ```
///
/// The sum of squares has the size of `P`. `Adagrad::<P>::new(config)` covers every tensor,
/// `Adagrad::<P, G>::with_groups` takes `G` groups.
pub type Adagrad<P, const G: usize = 1, F = f32> = RuleOptimizer<AdagradConfig, P, 1, G, F>;

/// One tensor's update at step `t`, in the order of PyTorch's `_single_tensor_adagrad`.
#[inline(always)]
fn update<F: Real>(c: &AdagradConfig, t: u64, p: &mut [F], grad: &[F], sum: &mut [F]) {
    let clr = c.lr / (1.0 + (t - 1) as f64 * c.lr_decay);
    let neg_clr = F::from_f64(-clr);
    let eps = F::from_f64(c.eps);
    for ((p, &grad), s) in p.iter_mut().zip(grad).zip(sum) {
        let g = super::l2_grad(grad, *p, c.maximize, c.weight_decay);
        *s = F::mul_add(g, g, *s);
        *p += neg_clr * g / (F::sqrt(*s) + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{OptimError, Optimizer};

    #[test]
    fn steps_shrink_with_the_accumulated_squares_and_lr_decay() {
        let config = AdagradConfig {
            lr: 1.0,
            lr_decay: 1.0,
            initial_accumulator_value: 5.0,
            eps: 0.0,
            ..Default::default()
        };
        let mut opt = Adagrad::new(config).unwrap();
        let mut p = 0.0f32;
        opt.step(&mut p, &2.0); // s = 9: p -= 1 * 2 / 3
        assert!((p + 2.0 / 3.0).abs() < 1e-7, "{p}");
        opt.step(&mut p, &4.0); // s = 25, clr = 1 / 2: p -= 0.5 * 4 / 5
        assert!((p + 2.0 / 3.0 + 0.4).abs() < 1e-6, "{p}");
    }

    #[test]
    fn invalid_settings_are_refused_like_pytorch() {
        for (c, expected) in [
            (
                AdagradConfig {
                    lr: -1.0,
                    ..Default::default()
                },
                "lr",
            ),
            (
                AdagradConfig {
                    lr_decay: -1.0,
                    ..Default::default()
                },
                "lr_decay",
            ),
            (
                AdagradConfig {
                    weight_decay: -1.0,
                    ..Default::default()
                },
                "weight_decay",
            ),
            (
                AdagradConfig {
                    initial_accumulator_value: -1.0,
                    ..Default::default()
                },
                "initial_accumulator_value",
            ),
            (
                AdagradConfig {
                    eps: -1.0,
                    ..Default::default()
                },
                "eps",
            ),
        ] {
            match Adagrad::<f32>::new(c) {
                Err(OptimError::InvalidHyperparameter { name, .. }) => assert_eq!(name, expected),
                other => panic!("{other:?}"),
            }
        }
    }
}
