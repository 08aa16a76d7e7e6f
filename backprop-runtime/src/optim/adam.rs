//! Adam with L2 weight decay and AMSGrad (`torch.optim.Adam`); [`AdamW`](super::AdamW) shares
//! its moments and update.

use super::driver::{RuleOptimizer, UpdateRule};
use super::group::optim_config;
use super::{f64m, maximum};
use crate::tensor::Real;

/// Declares an Adam configuration (Adam's and AdamW's differ in the meaning and default of
/// `weight_decay`) and its `Default`.
macro_rules! adam_config {
    ($(#[$doc:meta])* $name:ident, $(#[$decay:meta])* weight_decay = $default:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name {
            /// Learning rate (default `1e-3`).
            pub lr: f64,
            /// Decay rates of the first and second moment estimates (default `(0.9, 0.999)`).
            pub betas: (f64, f64),
            /// Added to the denominator for stability (default `1e-8`).
            pub eps: f64,
            $(#[$decay])*
            pub weight_decay: f64,
            /// Divide by the largest second moment seen so far (AMSGrad).
            pub amsgrad: bool,
            /// Ascend instead of descend.
            pub maximize: bool,
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    lr: 1e-3,
                    betas: (0.9, 0.999),
                    eps: 1e-8,
                    weight_decay: $default,
                    amsgrad: false,
                    maximize: false,
                }
            }
        }
    };
}
pub(crate) use adam_config;

adam_config! {
    /// The hyperparameters of [`Adam`]; the defaults are PyTorch's.
    AdamConfig,
    /// L2 penalty added to the gradient (default `0`).
    weight_decay = 0.0
}

optim_config! {
    AdamConfig:
    non_negative("lr", lr), non_negative("eps", eps), unit_interval("betas[0]", betas.0),
    unit_interval("betas[1]", betas.1), non_negative("weight_decay", weight_decay)
}

/// The buffers of Adam and AdamW, under PyTorch's names.
pub(crate) const MOMENTS: [&str; 3] = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

impl<F: Real> UpdateRule<3, F> for AdamConfig {
    const NAME: &'static str = "Adam";
    const BUFFERS: [&'static str; 3] = MOMENTS;

    #[inline(always)]
    fn update(&self, t: u64, p: &mut [F], grad: &[F], state: [&mut [F]; 3]) {
        update(self, false, t, p, grad, state);
    }
}

/// Adam, PyTorch's algorithm (`t` counts steps from 1):
///
/// ```text
/// g = ±grad + weight_decay * p
/// m = lerp(m, g, 1 - beta1)
/// v = beta2 * v + (1 - beta2) * g²
/// v̂ = max(v̂, v)                                   (amsgrad; then v̂ replaces v below)
/// p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
/// ```
///
/// The three moment buffers have the size of `P` (the AMSGrad one stays zero without it).
/// `Adam::<P>::new(config)` covers every tensor, `Adam::<P, G>::with_groups` takes `G` groups.
pub type Adam<P, const G: usize = 1, F = f32> = RuleOptimizer<AdamConfig, P, 3, G, F>;

/// One tensor's update at step `t`, in the order of PyTorch's `_single_tensor_adam`; with
/// `decoupled`, AdamW's.
#[inline(always)]
pub(crate) fn update<F: Real>(
    c: &AdamConfig,
    decoupled: bool,
    t: u64,
    p: &mut [F],
    grad: &[F],
    [exp_avg, exp_avg_sq, max_exp_avg_sq]: [&mut [F]; 3],
) {
    let (beta1, beta2) = c.betas;
    // Scalars in f64, as PyTorch computes them from Python floats.
    let bias_correction1 = 1.0 - f64m::powf(beta1, t as f64);
    let bias_correction2 = 1.0 - f64m::powf(beta2, t as f64);
    let neg_step_size = F::from_f64(-(c.lr / bias_correction1));
    let bias_correction2_sqrt = F::from_f64(f64m::sqrt(bias_correction2));
    let decay = F::from_f64(1.0 - c.lr * c.weight_decay);
    let w1 = F::from_f64(1.0 - beta1);
    let (beta2_f, w2) = (F::from_f64(beta2), F::from_f64(1.0 - beta2));
    let eps = F::from_f64(c.eps);
    let state = exp_avg
        .iter_mut()
        .zip(exp_avg_sq.iter_mut())
        .zip(max_exp_avg_sq.iter_mut());
    for ((p, &grad), ((m, v), vmax)) in p.iter_mut().zip(grad).zip(state) {
        if decoupled && c.weight_decay != 0.0 {
            *p *= decay;
        }
        let l2 = if decoupled { 0.0 } else { c.weight_decay };
        let g = super::l2_grad(grad, *p, c.maximize, l2);
        *m = super::lerp(*m, g, w1);
        *v = F::mul_add(w2 * g, g, *v * beta2_f);
        let second = if c.amsgrad {
            *vmax = maximum(*vmax, *v);
            *vmax
        } else {
            *v
        };
        let denom = F::sqrt(second) / bias_correction2_sqrt + eps;
        *p += neg_step_size * *m / denom; // addcdiv: no fused multiply-add
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{OptimError, Optimizer};

    #[test]
    fn first_step_moves_each_weight_by_lr() {
        // After one step m̂ = g and v̂ = g², so the update is lr * g / (|g| + eps) ≈ lr * sign(g).
        let mut opt = Adam::new(AdamConfig {
            lr: 0.1,
            ..Default::default()
        })
        .unwrap();
        let mut p = [1.0f32, 1.0];
        opt.step(&mut p, &[3.0, -0.02]);
        assert!((p[0] - 0.9).abs() < 1e-6, "{p:?}");
        assert!((p[1] - 1.1).abs() < 1e-6, "{p:?}");
    }

    #[test]
    fn amsgrad_keeps_the_largest_second_moment() {
        let config = AdamConfig {
            lr: 0.1,
            betas: (0.0, 0.5),
            amsgrad: true,
            ..Default::default()
        };
        let mut opt = Adam::new(config).unwrap();
        let mut p = 0.0f32;
        opt.step(&mut p, &2.0);
        // Step 1: v = vmax = 2. Step 2 (g = 0, so m = 0): v = 1, vmax stays 2. Step 3 (g = 1):
        // m = 1, v = 1, and the denominator is sqrt(vmax) / sqrt(1 - 0.5^3), not sqrt(v) / ...
        opt.step(&mut p, &0.0);
        let before = p;
        opt.step(&mut p, &1.0);
        let expected = 0.1 * 1.0 / (2.0f64 / 0.875).sqrt();
        assert!(
            ((before - p) as f64 - expected).abs() < 1e-6,
            "{}",
            before - p
        );
    }

    #[test]
    fn invalid_settings_are_refused_like_pytorch() {
        let bad = |c: AdamConfig| Adam::<f32>::new(c).unwrap_err();
        let name = |e: OptimError| match e {
            OptimError::InvalidHyperparameter { name, .. } => name,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            name(bad(AdamConfig {
                lr: -1e-3,
                ..Default::default()
            })),
            "lr"
        );
        assert_eq!(
            name(bad(AdamConfig {
                eps: -1e-8,
                ..Default::default()
            })),
            "eps"
        );
        assert_eq!(
            name(bad(AdamConfig {
                betas: (1.0, 0.999),
                ..Default::default()
            })),
            "betas[0]"
        );
        assert_eq!(
            name(bad(AdamConfig {
                betas: (0.9, -0.1),
                ..Default::default()
            })),
            "betas[1]"
        );
        assert_eq!(
            name(bad(AdamConfig {
                weight_decay: -0.1,
                ..Default::default()
            })),
            "weight_decay"
        );
    }
}
