//! Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay
//! (`torch.optim.SGD`).

use super::driver::{RuleOptimizer, UpdateRule};
use super::error::OptimError;
use super::group::optim_config;
use crate::tensor::Real;

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

optim_config! {
    SgdConfig:
    non_negative("lr", lr), non_negative("momentum", momentum),
    non_negative("weight_decay", weight_decay); then nesterov_needs_momentum
}

/// PyTorch's "Nesterov momentum requires a momentum and zero dampening".
fn nesterov_needs_momentum(c: &SgdConfig) -> Result<(), OptimError> {
    if c.nesterov && (c.momentum <= 0.0 || c.dampening != 0.0) {
        return Err(OptimError::NesterovNeedsMomentum);
    }
    Ok(())
}

impl<F: Real> UpdateRule<1, F> for SgdConfig {
    const NAME: &'static str = "SGD";
    const BUFFERS: [&'static str; 1] = ["momentum_buffer"];

    #[inline(always)]
    fn update(&self, t: u64, p: &mut [F], grad: &[F], [buf]: [&mut [F]; 1]) {
        update(self, t == 1, p, grad, buf);
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
/// The momentum buffer has the size of `P`. `Sgd::<P>::new(config)` covers every tensor,
/// `Sgd::<P, G>::with_groups` takes `G` groups.
pub type Sgd<P, const G: usize = 1, F = f32> = RuleOptimizer<SgdConfig, P, 1, G, F>;

/// One tensor's update, in the order of PyTorch's `_single_tensor_sgd`.
#[inline(always)]
fn update<F: Real>(c: &SgdConfig, first: bool, p: &mut [F], grad: &[F], buf: &mut [F]) {
    let momentum = F::from_f64(c.momentum);
    let keep = F::from_f64(1.0 - c.dampening);
    let neg_lr = F::from_f64(-c.lr);
    for ((p, &grad), b) in p.iter_mut().zip(grad).zip(buf) {
        let mut g = super::l2_grad(grad, *p, c.maximize, c.weight_decay);
        if c.momentum != 0.0 {
            // PyTorch starts the buffer at the first gradient itself, undampened.
            *b = if first {
                g
            } else {
                F::mul_add(keep, g, *b * momentum)
            };
            g = if c.nesterov {
                F::mul_add(momentum, *b, g)
            } else {
                *b
            };
        }
        *p = F::mul_add(neg_lr, g, *p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::Optimizer;

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
