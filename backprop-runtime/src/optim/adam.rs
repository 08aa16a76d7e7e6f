//! Adam with L2 weight decay and AMSGrad (`torch.optim.Adam`); [`AdamW`](super::AdamW) shares
//! its moments and update.

use super::error::{non_negative, unit_interval, OptimError};
use super::group::{Groups, OptimConfig, ParamGroup, Select};
use super::{f64m, maximum, Optimizer};
use crate::math;
use crate::params::Parameters;

/// The hyperparameters of [`Adam`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (default `1e-3`).
    pub lr: f64,
    /// Decay rates of the first and second moment estimates (default `(0.9, 0.999)`).
    pub betas: (f64, f64),
    /// Added to the denominator for stability (default `1e-8`).
    pub eps: f64,
    /// L2 penalty added to the gradient (default `0`).
    pub weight_decay: f64,
    /// Divide by the largest second moment seen so far (AMSGrad).
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl OptimConfig for AdamConfig {
    fn lr(&self) -> f64 {
        self.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
    fn validate(&self) -> Result<(), OptimError> {
        non_negative("lr", self.lr)?;
        non_negative("eps", self.eps)?;
        unit_interval("betas[0]", self.betas.0)?;
        unit_interval("betas[1]", self.betas.1)?;
        non_negative("weight_decay", self.weight_decay)
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
/// The three moment buffers are three more `P`s (the AMSGrad one stays zero without it).
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<P, const G: usize = 1> {
    groups: Groups<AdamConfig, G>,
    moments: Moments<P>,
    steps: u64,
}

impl<P: Parameters> Adam<P> {
    /// Adam over every tensor of the parameters.
    pub fn new(config: AdamConfig) -> Result<Self, OptimError> {
        Self::with_groups([ParamGroup::new(Select::All, config)])
    }
}

impl<P: Parameters, const G: usize> Adam<P, G> {
    /// Adam with a configuration per parameter group.
    pub fn with_groups(groups: [ParamGroup<AdamConfig>; G]) -> Result<Self, OptimError> {
        Ok(Adam {
            groups: Groups::new::<P>(groups)?,
            moments: Moments::zero(),
            steps: 0,
        })
    }

    /// The hyperparameters of `group`.
    pub fn config(&self, group: usize) -> Option<&AdamConfig> {
        (group < G).then(|| self.groups.config(group))
    }
}

impl<P: Parameters, const G: usize> Optimizer for Adam<P, G> {
    type Params = P;

    fn step(&mut self, params: &mut P, grads: &P) {
        self.steps = self.steps.saturating_add(1); // a loaded state may hold any count
        self.moments
            .step(&self.groups, self.steps, params, grads, |c| (*c, false));
    }

    fn steps(&self) -> u64 {
        self.steps
    }

    super::group_methods!();

    #[cfg(feature = "std")]
    fn state_dict(&self) -> super::StateDict {
        super::state_dict::save::<P, _, G>(
            "Adam",
            self.steps,
            &self.groups,
            &self.moments.buffers(),
        )
    }

    #[cfg(feature = "std")]
    fn load_state_dict(&mut self, state: &super::StateDict) -> Result<(), OptimError> {
        super::state_dict::load::<P, _, G>(
            state,
            "Adam",
            &mut self.steps,
            &mut self.groups,
            &mut self.moments.buffers_mut(),
        )
    }
}

/// Adam's running moments of every tensor.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Moments<P> {
    exp_avg: P,
    exp_avg_sq: P,
    max_exp_avg_sq: P,
}

impl<P: Parameters> Moments<P> {
    pub(crate) fn zero() -> Self {
        Moments {
            exp_avg: P::zero(),
            exp_avg_sq: P::zero(),
            max_exp_avg_sq: P::zero(),
        }
    }

    /// Step `t` (from 1) over every grouped tensor; `adam` gives a group's Adam settings and
    /// whether its weight decay is decoupled (AdamW).
    pub(crate) fn step<C: OptimConfig, const G: usize>(
        &mut self,
        groups: &Groups<C, G>,
        t: u64,
        params: &mut P,
        grads: &P,
        adam: impl Fn(&C) -> (AdamConfig, bool),
    ) {
        for k in 0..P::TENSORS {
            if let Some(g) = groups.group_of::<P>(k) {
                let (c, decoupled) = adam(groups.config(g));
                update(
                    &c,
                    decoupled,
                    t,
                    params.tensor_mut(k),
                    grads.tensor(k),
                    [
                        self.exp_avg.tensor_mut(k),
                        self.exp_avg_sq.tensor_mut(k),
                        self.max_exp_avg_sq.tensor_mut(k),
                    ],
                );
            }
        }
    }

    /// The buffers under PyTorch's names.
    #[cfg(feature = "std")]
    pub(crate) fn buffers(&self) -> [(&'static str, &P); 3] {
        [
            ("exp_avg", &self.exp_avg),
            ("exp_avg_sq", &self.exp_avg_sq),
            ("max_exp_avg_sq", &self.max_exp_avg_sq),
        ]
    }

    /// The buffers under PyTorch's names, mutable.
    #[cfg(feature = "std")]
    pub(crate) fn buffers_mut(&mut self) -> [(&'static str, &mut P); 3] {
        [
            ("exp_avg", &mut self.exp_avg),
            ("exp_avg_sq", &mut self.exp_avg_sq),
            ("max_exp_avg_sq", &mut self.max_exp_avg_sq),
        ]
    }
}

/// One tensor's update at step `t`, in the order of PyTorch's `_single_tensor_adam`.
fn update(
    c: &AdamConfig,
    decoupled: bool,
    t: u64,
    p: &mut [f32],
    grad: &[f32],
    [exp_avg, exp_avg_sq, max_exp_avg_sq]: [&mut [f32]; 3],
) {
    let (beta1, beta2) = c.betas;
    // Scalars in f64, as PyTorch computes them from Python floats.
    let bias_correction1 = 1.0 - f64m::powf(beta1, t as f64);
    let bias_correction2 = 1.0 - f64m::powf(beta2, t as f64);
    let neg_step_size = (-(c.lr / bias_correction1)) as f32;
    let bias_correction2_sqrt = f64m::sqrt(bias_correction2) as f32;
    let decay = (1.0 - c.lr * c.weight_decay) as f32;
    let weight_decay = c.weight_decay as f32;
    let w1 = (1.0 - beta1) as f32;
    let (beta2_f, w2) = (beta2 as f32, (1.0 - beta2) as f32);
    let eps = c.eps as f32;
    let state = exp_avg
        .iter_mut()
        .zip(exp_avg_sq.iter_mut())
        .zip(max_exp_avg_sq.iter_mut());
    for ((p, &grad), ((m, v), vmax)) in p.iter_mut().zip(grad).zip(state) {
        let mut g = if c.maximize { -grad } else { grad };
        if c.weight_decay != 0.0 {
            if decoupled {
                *p *= decay;
            } else {
                g = math::mul_add(weight_decay, *p, g);
            }
        }
        *m = super::lerp(*m, g, w1);
        *v = math::mul_add(w2 * g, g, *v * beta2_f);
        let second = if c.amsgrad {
            *vmax = maximum(*vmax, *v);
            *vmax
        } else {
            *v
        };
        let denom = math::sqrt(second) / bias_correction2_sqrt + eps;
        *p += neg_step_size * *m / denom; // addcdiv: no fused multiply-add
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
