//! Adam with decoupled weight decay (`torch.optim.AdamW`).

use super::adam::{adam_config, update, AdamConfig, MOMENTS};
use super::driver::{RuleOptimizer, UpdateRule};
use super::error::OptimError;
use super::group::OptimConfig;
use crate::tensor::Real;

adam_config! {
    /// The hyperparameters of [`AdamW`]; the defaults are PyTorch's (as Adam's, but with weight
    /// decay `1e-2`).
    AdamWConfig,
    /// Decoupled weight decay: each step first scales `p` by `1 - lr * weight_decay` (default
    /// `1e-2`).
    weight_decay = 1e-2
}

/// Field-for-field conversions (the two configurations have the same fields).
macro_rules! convert {
    ($from:ident => $to:ident: $($field:ident),+) => {
        impl From<$from> for $to {
            fn from(c: $from) -> Self {
                let $from { $($field),+ } = c;
                $to { $($field),+ }
            }
        }
    };
}
convert!(AdamConfig => AdamWConfig: lr, betas, eps, weight_decay, amsgrad, maximize);
convert!(AdamWConfig => AdamConfig: lr, betas, eps, weight_decay, amsgrad, maximize);

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

impl<F: Real> UpdateRule<3, F> for AdamWConfig {
    const NAME: &'static str = "AdamW";
    const BUFFERS: [&'static str; 3] = MOMENTS;

    #[inline(always)]
    fn update(&self, t: u64, p: &mut [F], grad: &[F], state: [&mut [F]; 3]) {
        update(&AdamConfig::from(*self), true, t, p, grad, state);
    }
}

/// AdamW: [`Adam`](super::Adam) whose weight decay shrinks the weights directly,
/// `p = p * (1 - lr * weight_decay)`, before the Adam update, instead of adding to the gradient.
pub type AdamW<P, const G: usize = 1, F = f32> = RuleOptimizer<AdamWConfig, P, 3, G, F>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Adam, AdamConfig, Optimizer};

    #[test]
    fn decay_shrinks_weights_instead_of_adding_to_the_gradient() {
        // With a zero gradient Adam's L2 term still makes a unit-size first step, while AdamW
        // only scales the weight by 1 - lr * weight_decay (m stays 0).
        let adam = AdamConfig {
            lr: 0.1,
            weight_decay: 0.5,
            ..Default::default()
        };
        let (mut p, mut q) = (2.0f32, 2.0f32);
        AdamW::new(adam.into()).unwrap().step(&mut p, &0.0);
        Adam::new(adam).unwrap().step(&mut q, &0.0);
        assert_eq!(p, 2.0 * 0.95);
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
