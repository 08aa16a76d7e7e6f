//! Adagrad with learning-rate decay and weight decay (`torch.optim.Adagrad`).

use super::error::{non_negative, OptimError};
use super::group::{Groups, OptimConfig, ParamGroup, Select};
use super::Optimizer;
use crate::math;
use crate::params::Parameters;

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

impl OptimConfig for AdagradConfig {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn validate(&self) -> Result<(), OptimError> {
        non_negative("lr", self.lr)?;
        non_negative("lr_decay", self.lr_decay)?;
        non_negative("weight_decay", self.weight_decay)?;
        non_negative("initial_accumulator_value", self.initial_accumulator_value)?;
        non_negative("eps", self.eps)
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
/// The sum of squares is one more `P`.
#[derive(Clone, Debug, PartialEq)]
pub struct Adagrad<P, const G: usize = 1> {
    groups: Groups<AdagradConfig, G>,
    sum: P,
    steps: u64,
}

impl<P: Parameters> Adagrad<P> {
    /// Adagrad over every tensor of the parameters.
    pub fn new(config: AdagradConfig) -> Result<Self, OptimError> {
        Self::with_groups([ParamGroup::new(Select::All, config)])
    }
}

impl<P: Parameters, const G: usize> Adagrad<P, G> {
    /// Adagrad with a configuration per parameter group.
    pub fn with_groups(groups: [ParamGroup<AdagradConfig>; G]) -> Result<Self, OptimError> {
        let groups = Groups::new::<P>(groups)?;
        let mut sum = P::zero();
        for k in 0..P::TENSORS {
            if let Some(g) = groups.group_of::<P>(k) {
                sum.tensor_mut(k)
                    .fill(groups.config(g).initial_accumulator_value as f32);
            }
        }
        Ok(Adagrad {
            groups,
            sum,
            steps: 0,
        })
    }

    /// The hyperparameters of `group`.
    pub fn config(&self, group: usize) -> Option<&AdagradConfig> {
        (group < G).then(|| self.groups.config(group))
    }
}

impl<P: Parameters, const G: usize> Optimizer for Adagrad<P, G> {
    type Params = P;

    fn step(&mut self, params: &mut P, grads: &P) {
        self.steps = self.steps.saturating_add(1); // a loaded state may hold any count
        for k in 0..P::TENSORS {
            if let Some(g) = self.groups.group_of::<P>(k) {
                update(
                    self.groups.config(g),
                    self.steps,
                    params.tensor_mut(k),
                    grads.tensor(k),
                    self.sum.tensor_mut(k),
                );
            }
        }
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    super::group_methods!();

    #[cfg(feature = "std")]
    fn state_dict(&self) -> super::StateDict {
        super::state_dict::save::<P, _, G>(
            "Adagrad",
            self.steps,
            &self.groups,
            &[("sum", &self.sum)],
        )
    }

    #[cfg(feature = "std")]
    fn load_state_dict(&mut self, state: &super::StateDict) -> Result<(), OptimError> {
        super::state_dict::load::<P, _, G>(
            state,
            "Adagrad",
            &mut self.steps,
            &mut self.groups,
            &mut [("sum", &mut self.sum)],
        )
    }
}

/// One tensor's update at step `t`, in the order of PyTorch's `_single_tensor_adagrad`.
fn update(c: &AdagradConfig, t: u64, p: &mut [f32], grad: &[f32], sum: &mut [f32]) {
    let weight_decay = c.weight_decay as f32;
    let clr = c.lr / (1.0 + (t - 1) as f64 * c.lr_decay);
    let neg_clr = -clr as f32;
    let eps = c.eps as f32;
    for ((p, &grad), s) in p.iter_mut().zip(grad).zip(sum) {
        let mut g = if c.maximize { -grad } else { grad };
        if c.weight_decay != 0.0 {
            g = math::mul_add(weight_decay, *p, g);
        }
        *s = math::mul_add(g, g, *s);
        *p += neg_clr * g / (math::sqrt(*s) + eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
