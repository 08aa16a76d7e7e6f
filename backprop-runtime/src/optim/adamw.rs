//! Adam with decoupled weight decay (`torch.optim.AdamW`).

use super::adam::{AdamConfig, Moments};
use super::error::OptimError;
use super::group::{Groups, OptimConfig, ParamGroup, Select};
use super::Optimizer;
use crate::params::Parameters;

/// The hyperparameters of [`AdamW`]; the defaults are PyTorch's (as Adam's, but with weight
/// decay `1e-2`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Decay rates of the first and second moment estimates (default `(0.9, 0.999)`).
    pub betas: (f64, f64),
    /// Added to the denominator for stability (default `1e-8`).
    pub eps: f64,
    /// Decoupled weight decay: each step first scales `p` by `1 - lr * weight_decay` (default
    /// `1e-2`).
    pub weight_decay: f64,
    /// Divide by the largest second moment seen so far (AMSGrad).
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            weight_decay: 1e-2,
            ..AdamWConfig::from(AdamConfig::default())
        }
    }
}

impl From<AdamConfig> for AdamWConfig {
    fn from(c: AdamConfig) -> Self {
        let AdamConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        } = c;
        AdamWConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        }
    }
}

impl From<AdamWConfig> for AdamConfig {
    fn from(c: AdamWConfig) -> Self {
        let AdamWConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        } = c;
        AdamConfig {
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize,
        }
    }
}

impl OptimConfig for AdamWConfig {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn validate(&self) -> Result<(), OptimError> {
        AdamConfig::from(*self).validate()
    }
}

/// AdamW: [`Adam`](super::Adam) whose weight decay shrinks the weights directly,
/// `p = p * (1 - lr * weight_decay)`, before the Adam update, instead of adding to the gradient.
#[derive(Clone, Debug, PartialEq)]
pub struct AdamW<P, const G: usize = 1> {
    groups: Groups<AdamWConfig, G>,
    moments: Moments<P>,
    steps: u64,
}

impl<P: Parameters> AdamW<P> {
    /// AdamW over every tensor of the parameters.
    pub fn new(config: AdamWConfig) -> Result<Self, OptimError> {
        Self::with_groups([ParamGroup::new(Select::All, config)])
    }
}

impl<P: Parameters, const G: usize> AdamW<P, G> {
    /// AdamW with a configuration per parameter group.
    pub fn with_groups(groups: [ParamGroup<AdamWConfig>; G]) -> Result<Self, OptimError> {
        Ok(AdamW {
            groups: Groups::new::<P>(groups)?,
            moments: Moments::zero(),
            steps: 0,
        })
    }

    /// The hyperparameters of `group`.
    pub fn config(&self, group: usize) -> Option<&AdamWConfig> {
        (group < G).then(|| self.groups.config(group))
    }
}

impl<P: Parameters, const G: usize> Optimizer for AdamW<P, G> {
    type Params = P;

    fn step(&mut self, params: &mut P, grads: &P) {
        self.steps = self.steps.saturating_add(1); // a loaded state may hold any count
        self.moments
            .step(&self.groups, self.steps, params, grads, |c| {
                ((*c).into(), true)
            });
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    super::group_methods!();

    #[cfg(feature = "std")]
    fn state_dict(&self) -> super::StateDict {
        super::state_dict::save::<P, _, G>(
            "AdamW",
            self.steps,
            &self.groups,
            &self.moments.buffers(),
        )
    }

    #[cfg(feature = "std")]
    fn load_state_dict(&mut self, state: &super::StateDict) -> Result<(), OptimError> {
        super::state_dict::load::<P, _, G>(
            state,
            "AdamW",
            &mut self.steps,
            &mut self.groups,
            &mut self.moments.buffers_mut(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, AdamConfig};

    #[test]
    fn decay_shrinks_weights_instead_of_adding_to_the_gradient() {
        // With a zero gradient Adam's L2 term still makes a unit-size first step, while AdamW
        // only scales the weight by 1 - lr * weight_decay (m stays 0).
        let mut adamw = AdamW::new(AdamWConfig {
            lr: 0.1,
            weight_decay: 0.5,
            ..Default::default()
        })
        .unwrap();
        let mut p = 2.0f32;
        adamw.step(&mut p, &0.0);
        assert_eq!(p, 2.0 * 0.95);

        let mut adam = Adam::new(AdamConfig {
            lr: 0.1,
            weight_decay: 0.5,
            ..Default::default()
        })
        .unwrap();
        let mut q = 2.0f32;
        adam.step(&mut q, &0.0);
        assert!((q - 1.9).abs() < 1e-6, "{q}");
    }

    #[test]
    fn defaults_are_pytorchs() {
        let c = AdamWConfig::default();
        assert_eq!(
            (c.lr, c.betas, c.eps, c.weight_decay),
            (1e-3, (0.9, 0.999), 1e-8, 1e-2)
        );
        assert!(AdamW::<f32>::new(AdamWConfig {
            betas: (0.9, 1.0),
            ..c
        })
        .is_err());
    }
}
