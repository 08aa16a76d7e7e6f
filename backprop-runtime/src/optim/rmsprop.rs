//! RMSprop, plain or centered, with momentum and weight decay (`torch.optim.RMSprop`).

use super::driver::{RuleOptimizer, UpdateRule};
use super::group::optim_config;
use crate::tensor::Real;

/// The hyperparameters of [`RmsProp`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropConfig {
    /// Learning rate (default `1e-2`).
    pub lr: f64,
    /// Smoothing constant of the squared-gradient average (default `0.99`).
    pub alpha: f64,
    /// Added to the denominator for stability (default `1e-8`).
    pub eps: f64,
    /// L2 penalty added to the gradient (default `0`).
    pub weight_decay: f64,
    /// Momentum factor (default `0`).
    pub momentum: f64,
    /// Normalise by the estimated variance (subtract the squared mean gradient).
    pub centered: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

optim_config! {
    RmsPropConfig:
    non_negative("lr", lr), non_negative("eps", eps), non_negative("momentum", momentum),
    non_negative("weight_decay", weight_decay), non_negative("alpha", alpha)
}

impl<F: Real> UpdateRule<3, F> for RmsPropConfig {
    const NAME: &'static str = "RMSprop";
    const BUFFERS: [&'static str; 3] = ["square_avg", "grad_avg", "momentum_buffer"];

    #[inline(always)]
    fn update(&self, _t: u64, p: &mut [F], grad: &[F], state: [&mut [F]; 3]) {
        update(self, p, grad, state);
    }
}

/// RMSprop, PyTorch's algorithm:
///
/// ```text
/// g = ±grad + weight_decay * p
/// v = alpha * v + (1 - alpha) * g²
/// a = sqrt(v) + eps,  or  a = sqrt(v - ḡ²) + eps with ḡ = lerp(ḡ, g, 1 - alpha) (centered)
/// b = momentum * b + g / a;  p = p - lr * b      (momentum > 0, b starting at zero)
/// p = p - lr * g / a                             (otherwise)
/// ```
///
/// The squared average, gradient average and momentum buffer have the size of `P`.
/// `RmsProp::<P>::new(config)` covers every tensor, `RmsProp::<P, G>::with_groups` takes `G`
/// groups.
pub type RmsProp<P, const G: usize = 1, F = f32> = RuleOptimizer<RmsPropConfig, P, 3, G, F>;

/// One tensor's update, in the order of PyTorch's `_single_tensor_rmsprop`.
#[inline(always)]
fn update<F: Real>(
    c: &RmsPropConfig,
    p: &mut [F],
    grad: &[F],
    [square_avg, grad_avg, buf]: [&mut [F]; 3],
) {
    let (alpha, w) = (F::from_f64(c.alpha), F::from_f64(1.0 - c.alpha));
    let eps = F::from_f64(c.eps);
    let momentum = F::from_f64(c.momentum);
    let neg_lr = F::from_f64(-c.lr);
    let state = square_avg
        .iter_mut()
        .zip(grad_avg.iter_mut())
        .zip(buf.iter_mut());
    for ((p, &grad), ((v, mean), b)) in p.iter_mut().zip(grad).zip(state) {
        let g = super::l2_grad(grad, *p, c.maximize, c.weight_decay);
        *v = F::mul_add(w * g, g, *v * alpha);
        let avg = if c.centered {
            *mean = super::lerp(*mean, g, w);
            F::sqrt(F::mul_add(-*mean, *mean, *v))
        } else {
            F::sqrt(*v)
        } + eps;
        if c.momentum > 0.0 {
            *b = *b * momentum + g / avg;
            *p = F::mul_add(neg_lr, *b, *p);
        } else {
            *p += neg_lr * g / avg;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{OptimError, Optimizer};

    #[test]
    fn first_step_divides_by_the_rms() {
        // v = (1 - alpha) g², so the step is lr * g / (sqrt(1 - alpha) |g| + eps).
        let config = RmsPropConfig {
            lr: 0.01,
            alpha: 0.75,
            eps: 0.0,
            ..Default::default()
        };
        let mut opt = RmsProp::new(config).unwrap();
        let mut p = [0.0f32, 0.0];
        opt.step(&mut p, &[4.0, -0.5]);
        assert_eq!(p, [-0.02, 0.02]);
    }

    #[test]
    fn centered_first_step_divides_by_the_deviation() {
        // v - ḡ² = (1 - a) g² - (1 - a)² g² = a (1 - a) g², with a = 0.75: sqrt(3/16) |g|.
        let config = RmsPropConfig {
            lr: 0.01,
            alpha: 0.75,
            eps: 0.0,
            centered: true,
            ..Default::default()
        };
        let mut opt = RmsProp::new(config).unwrap();
        let mut p = 0.0f32;
        opt.step(&mut p, &2.0);
        let expected = -0.01 / (3.0f64 / 16.0).sqrt();
        assert!((p as f64 - expected).abs() < 1e-7, "{p} vs {expected}");
    }

    #[test]
    fn invalid_settings_are_refused_like_pytorch() {
        for c in [
            RmsPropConfig {
                lr: -1.0,
                ..Default::default()
            },
            RmsPropConfig {
                alpha: -0.5,
                ..Default::default()
            },
            RmsPropConfig {
                eps: -1e-8,
                ..Default::default()
            },
            RmsPropConfig {
                momentum: -0.1,
                ..Default::default()
            },
            RmsPropConfig {
                weight_decay: -0.1,
                ..Default::default()
            },
        ] {
            assert!(matches!(
                RmsProp::<f32>::new(c),
                Err(OptimError::InvalidHyperparameter { .. })
            ));
        }
    }
}
