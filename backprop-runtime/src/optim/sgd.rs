//! Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay
//! (`torch.optim.SGD`).

use super::error::{non_negative, OptimError};
use super::group::{Groups, OptimConfig, ParamGroup, Select};
use super::Optimizer;
use crate::math;
use crate::params::Parameters;

/// The hyperparameters of [`Sgd`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Momentum factor (default `0`).
    pub momentum: f64,
    /// Dampening of the momentum's new gradient (default `0`).
    pub dampening: f64,
    /// L2 penalty added to the gradient (default `0`).
    pub weight_decay: f64,
    /// Nesterov momentum (needs `momentum > 0` and `dampening == 0`).
    pub nesterov: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
        }
    }
}

impl OptimConfig for SgdConfig {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn validate(&self) -> Result<(), OptimError> {
        non_negative("lr", self.lr)?;
        non_negative("momentum", self.momentum)?;
        non_negative("weight_decay", self.weight_decay)?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(OptimError::NesterovNeedsMomentum);
        }
        Ok(())
    }
}

/// Stochastic gradient descent, PyTorch's algorithm:
///
/// ```text
/// g = ±grad + weight_decay * p
/// b = g                                   on the first step
/// b = momentum * b + (1 - dampening) * g  after it
/// g = g + momentum * b  (nesterov)  or  g = b  (momentum)
/// p = p - lr * g
/// ```
///
/// The momentum buffer is one more `P`.
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd<P, const G: usize = 1> {
    groups: Groups<SgdConfig, G>,
    momentum_buffer: P,
    steps: u64,
}

impl<P: Parameters> Sgd<P> {
    /// SGD over every tensor of the parameters.
    pub fn new(config: SgdConfig) -> Result<Self, OptimError> {
        Self::with_groups([ParamGroup::new(Select::All, config)])
    }
}

impl<P: Parameters, const G: usize> Sgd<P, G> {
    /// SGD with a configuration per parameter group.
    pub fn with_groups(groups: [ParamGroup<SgdConfig>; G]) -> Result<Self, OptimError> {
        Ok(Sgd {
            groups: Groups::new::<P>(groups)?,
            momentum_buffer: P::zero(),
            steps: 0,
        })
    }

    /// The hyperparameters of `group`.
    pub fn config(&self, group: usize) -> Option<&SgdConfig> {
        (group < G).then(|| self.groups.config(group))
    }
}

impl<P: Parameters, const G: usize> Optimizer for Sgd<P, G> {
    type Params = P;

    fn step(&mut self, params: &mut P, grads: &P) {
        let first = self.steps == 0;
        for k in 0..P::TENSORS {
            if let Some(g) = self.groups.group_of::<P>(k) {
                let c = self.groups.config(g);
                update(
                    c,
                    first,
                    params.tensor_mut(k),
                    grads.tensor(k),
                    self.momentum_buffer.tensor_mut(k),
                );
            }
        }
        self.steps = self.steps.saturating_add(1); // a loaded state may hold any count
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    super::group_methods!();

    #[cfg(feature = "std")]
    fn state_dict(&self) -> super::StateDict {
        super::state_dict::save::<P, _, G>(
            "SGD",
            self.steps,
            &self.groups,
            &[("momentum_buffer", &self.momentum_buffer)],
        )
    }

    #[cfg(feature = "std")]
    fn load_state_dict(&mut self, state: &super::StateDict) -> Result<(), OptimError> {
        super::state_dict::load::<P, _, G>(
            state,
            "SGD",
            &mut self.steps,
            &mut self.groups,
            &mut [("momentum_buffer", &mut self.momentum_buffer)],
        )
    }
}

/// One tensor's update, in the order of PyTorch's `_single_tensor_sgd`.
fn update(c: &SgdConfig, first: bool, p: &mut [f32], grad: &[f32], buf: &mut [f32]) {
    let weight_decay = c.weight_decay as f32;
    let momentum = c.momentum as f32;
    let keep = (1.0 - c.dampening) as f32;
    let neg_lr = -c.lr as f32;
    for ((p, &grad), b) in p.iter_mut().zip(grad).zip(buf) {
        let mut g = if c.maximize { -grad } else { grad };
        if c.weight_decay != 0.0 {
            g = math::mul_add(weight_decay, *p, g);
        }
        if c.momentum != 0.0 {
            // PyTorch starts the buffer at the first gradient itself, undampened.
            *b = if first {
                g
            } else {
                math::mul_add(keep, g, *b * momentum)
            };
            g = if c.nesterov {
                math::mul_add(momentum, *b, g)
            } else {
                *b
            };
        }
        *p = math::mul_add(neg_lr, g, *p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_sgd_is_p_minus_lr_g() {
        let mut opt = Sgd::new(SgdConfig {
            lr: 0.5,
            ..Default::default()
        })
        .unwrap();
        let mut p = [1.0f32, 2.0];
        opt.step(&mut p, &[2.0, -4.0]);
        assert_eq!(p, [0.0, 4.0]);
    }

    #[test]
    fn first_momentum_step_uses_the_undampened_gradient() {
        let config = SgdConfig {
            lr: 1.0,
            momentum: 0.5,
            dampening: 0.5,
            ..Default::default()
        };
        let mut opt = Sgd::new(config).unwrap();
        let mut p = 0.0f32;
        opt.step(&mut p, &1.0);
        assert_eq!(p, -1.0); // b = g = 1
        opt.step(&mut p, &1.0);
        assert_eq!(p, -2.0); // b = 0.5 * 1 + 0.5 * 1 = 1
        opt.step(&mut p, &2.0);
        assert_eq!(p, -3.5); // b = 0.5 * 1 + 0.5 * 2 = 1.5
    }

    #[test]
    fn invalid_settings_are_refused_like_pytorch() {
        let bad = |c: SgdConfig| Sgd::<f32>::new(c).unwrap_err();
        assert!(matches!(
            bad(SgdConfig {
                lr: -0.1,
                ..Default::default()
            }),
            OptimError::InvalidHyperparameter { name: "lr", .. }
        ));
        assert!(matches!(
            bad(SgdConfig {
                momentum: -0.9,
                ..Default::default()
            }),
            OptimError::InvalidHyperparameter {
                name: "momentum",
                ..
            }
        ));
        assert!(matches!(
            bad(SgdConfig {
                weight_decay: -1.0,
                ..Default::default()
            }),
            OptimError::InvalidHyperparameter {
                name: "weight_decay",
                ..
            }
        ));
        assert_eq!(
            bad(SgdConfig {
                nesterov: true,
                ..Default::default()
            }),
            OptimError::NesterovNeedsMomentum
        );
        assert_eq!(
            bad(SgdConfig {
                nesterov: true,
                momentum: 0.9,
                dampening: 0.1,
                ..Default::default()
            }),
            OptimError::NesterovNeedsMomentum
        );
    }
}
