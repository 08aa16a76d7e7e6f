//! Optimizers with the update rules of `torch.optim`, parameter groups and learning-rate
//! schedules.
//!
//! An optimizer works on any [`Parameters`] tree `P` (a model struct, or a bare `f32` or array):
//! the parameters and their gradients have the same type, and every state buffer the optimizer
//! keeps has `P`'s tensors (Adam's moments are three buffers the size of `P`). Each optimizer is
//! an [`UpdateRule`] (its configuration and per-tensor update) run by one generic
//! [`RuleOptimizer`], which holds the groups, the step count and the buffers.
//!
//! With `std` the buffers are one zeroed heap allocation, made when the optimizer is built, so
//! that a model of megabytes needs no large stack; steps allocate nothing. Without `std` the
//! buffers are held inline and nothing is ever allocated, so optimizers run on `no_std` targets;
//! only [`StateDict`] (a dynamic, named copy of the state, through [`Checkpoint`]) needs `std`.
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::optim::{zero_grad, Optimizer, Sgd, SgdConfig};
//!
//! let mut w = [1.0f32, -2.0];
//! let mut g = [0.0f32; 2];
//! let mut opt = Sgd::new(SgdConfig { lr: 0.1, momentum: 0.9, ..Default::default() })?;
//! for _ in 0..3 {
//!     zero_grad(&mut g);
//!     for i in 0..2 {
//!         g[i] += 2.0 * w[i]; // d/dw of |w|^2
//!     }
//!     opt.step(&mut w, &g);
//! }
//! assert!(w[0].abs() < 1.0 && w[1].abs() < 2.0);
//! # Ok::<(), backprop::optim::OptimError>(())
//! ```
//!
//! # Parameter groups, schedules and saved state
//!
//! Groups pick tensors by their dotted names (or indices) and give them their own settings; a
//! scheduler then moves each group's learning rate, and [`Checkpoint::state_dict`] saves
//! everything needed to resume. (`Net` stands for any model; here a bare tensor named `""`, so
//! the prefix `""` picks it.)
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::optim::{
//!     Adam, AdamConfig, Checkpoint, CosineAnnealingLr, LearningRates, LrScheduler, Optimizer,
//!     ParamGroup, Select,
//! };
//! type Net = [[f32; 3]; 2];
//!
//! let fast = AdamConfig { lr: 1e-2, ..Default::default() };
//! let mut opt = Adam::<Net, 2>::with_groups([
//!     ParamGroup::new(Select::Prefix(""), fast),
//!     ParamGroup::new(Select::Rest, AdamConfig { lr: 1e-3, ..fast }),
//! ]);
//! // Every tensor is in the first group, so the second selects none: a typed error.
//! assert!(opt.is_err());
//!
//! let mut opt = Adam::<Net>::new(fast)?;
//! let mut schedule = CosineAnnealingLr::new(&mut opt, 10, 0.0)?;
//! let (mut w, g) = ([[1.0f32; 3]; 2], [[0.5f32; 3]; 2]);
//! for _epoch in 0..3 {
//!     opt.step(&mut w, &g);
//!     schedule.step(&mut opt)?;
//! }
//! let saved = opt.state_dict();
//! let mut resumed = Adam::<Net>::new(fast)?;
//! resumed.load_state_dict(&saved)?;
//! assert_eq!((resumed.steps(), resumed.lr(0)), (3, opt.lr(0)));
//! # Ok::<(), backprop::optim::OptimError>(())
//! ```
//!
//! # Numerics
//!
//! Hyperparameters are `f64`, as PyTorch's are Python floats: the scalar arithmetic around them
//! (bias corrections, decayed learning rates, schedules) runs in `f64` and is rounded to `f32`
//! once, where it meets the tensors. The element-wise updates then run in `f32` in the order of
//! PyTorch's single-tensor (CPU) implementation, fusing a multiply and an add where PyTorch's
//! kernels do (`add` with `alpha`, `addcmul`, `lerp`), so trajectories agree with `torch.optim`
//! to the last bit or nearly. (Without hardware FMA, as on x86-64 built without
//! `-C target-feature=+fma`, each fused multiply-add is a call to `fmaf`.)

mod adagrad;
mod adam;
mod adamw;
mod driver;
mod error;
mod group;
pub mod lr_scheduler;
mod rmsprop;
mod sgd;
#[cfg(feature = "std")]
mod state_dict;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use driver::{RuleOptimizer, UpdateRule};
pub use error::OptimError;
pub use group::{OptimConfig, ParamGroup, Select};
pub use lr_scheduler::{
    CosineAnnealingLr, ExponentialLr, LambdaLr, LinearLr, LrScheduler, MultiStepLr, PlateauMode,
    ReduceLrOnPlateau, ReduceLrOnPlateauConfig, StepLr, ThresholdMode,
};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};
#[cfg(feature = "std")]
pub use state_dict::{GroupState, StateDict, TensorState};

use crate::params::Parameters;
use crate::tensor::Real;

/// The learning rate of each parameter group, which [schedulers](lr_scheduler) read and set.
/// Every [`Optimizer`] has them; the trait is separate so that a scheduler can take any
/// optimizer as `&mut dyn LearningRates`, whatever its parameters.
pub trait LearningRates {
    /// The number of parameter groups.
    fn num_groups(&self) -> usize;

    /// The learning rate of `group`, or `None` if there is no such group.
    fn lr(&self, group: usize) -> Option<f64>;

    /// Sets the learning rate of `group` (what a scheduler does between epochs).
    fn set_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError>;

    /// The learning rate `group` had when the first scheduler was attached (PyTorch's
    /// `initial_lr`), or `None` if no scheduler has been attached or there is no such group.
    fn initial_lr(&self, group: usize) -> Option<f64>;

    /// Sets the `initial_lr` of `group`, which schedules measure their decay from.
    fn set_initial_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError>;
}

/// What every optimizer does: update parameters from gradients. Its learning rates are the
/// supertrait [`LearningRates`]; saving and restoring its state, with `std`, is [`Checkpoint`].
///
/// The required methods are the same with and without `std`, so a `no_std` crate can implement
/// the trait and still build when another crate turns `std` on.
pub trait Optimizer<F: Real = f32>: LearningRates {
    /// The parameter tree this optimizer updates (and the type of its gradients), of `F`.
    type Params: Parameters<F>;

    /// One update of `params` from `grads` (PyTorch's `optimizer.step()`). Tensors that no
    /// parameter group selects are left untouched.
    fn step(&mut self, params: &mut Self::Params, grads: &Self::Params);

    /// Sets every gradient to zero (PyTorch's `optimizer.zero_grad()`; the generated gradients
    /// add into `grads`, so this comes before each backward pass).
    fn zero_grad(&self, grads: &mut Self::Params) {
        zero_grad(grads);
    }

    /// How many steps have been taken.
    fn steps(&self) -> u64;
}

/// An optimizer whose state can be saved and restored (PyTorch's `state_dict` and
/// `load_state_dict`); needs `std`, as [`StateDict`] does.
#[cfg(feature = "std")]
pub trait Checkpoint: Optimizer {
    /// A copy of the optimizer's state: step count, learning rates and buffers, by tensor index.
    fn state_dict(&self) -> StateDict;

    /// Restores a state saved by [`state_dict`](Checkpoint::state_dict) into an optimizer built
    /// with the same configuration: training then continues exactly as if it had never stopped.
    /// A state of another optimizer, other groups or other shapes is an error, and then nothing
    /// is changed.
    fn load_state_dict(&mut self, state: &StateDict) -> Result<(), OptimError>;
}

/// Sets every gradient in `grads` to zero (PyTorch's `zero_grad`).
pub fn zero_grad<F: Real, P: Parameters<F>>(grads: &mut P) {
    grads.set_zero();
}

/// `f64` maths for the scalar side (Python floats in PyTorch), through `libm` without `std`.
mod f64m {
    /// `x^y`
    pub(crate) fn powf(x: f64, y: f64) -> f64 {
        #[cfg(feature = "std")]
        {
            x.powf(y)
        }
        #[cfg(not(feature = "std"))]
        {
            libm::pow(x, y)
        }
    }

    /// `sqrt(x)`
    pub(crate) fn sqrt(x: f64) -> f64 {
        #[cfg(feature = "std")]
        {
            x.sqrt()
        }
        #[cfg(not(feature = "std"))]
        {
            libm::sqrt(x)
        }
    }

    /// `cos(x)`
    pub(crate) fn cos(x: f64) -> f64 {
        #[cfg(feature = "std")]
        {
            x.cos()
        }
        #[cfg(not(feature = "std"))]
        {
            libm::cos(x)
        }
    }
}

/// PyTorch's `torch.lerp(start, end, weight)`: a fused multiply-add from whichever end is
/// nearer, so that both ends are exact.
#[inline(always)]
fn lerp<F: Real>(start: F, end: F, weight: F) -> F {
    if Real::abs(weight) < F::from_f64(0.5) {
        weight.mul_add(end - start, start)
    } else {
        (weight - F::ONE).mul_add(end - start, end)
    }
}

/// The gradient an update starts from: negated to ascend, plus the L2 penalty
/// `weight_decay * p` (a fused multiply-add, as PyTorch's `add` with `alpha`; skipped at zero
/// decay, as PyTorch skips it).
#[inline(always)]
fn l2_grad<F: Real>(grad: F, p: F, maximize: bool, weight_decay: f64) -> F {
    let g = if maximize { -grad } else { grad };
    if weight_decay != 0.0 {
        F::from_f64(weight_decay).mul_add(p, g)
    } else {
        g
    }
}

/// `torch.maximum`: like `f32::max`, except that a NaN wins instead of losing.
#[inline(always)]
fn maximum<F: Real>(a: F, b: F) -> F {
    #[allow(clippy::eq_op)] // NaN is the one value unequal to itself
    if a != a || a > b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lerp_is_exact_at_both_ends() {
        assert_eq!(lerp(0.1, 0.7, 0.0), 0.1);
        assert_eq!(lerp(0.1, 0.7, 1.0), 0.7);
        assert_eq!(lerp(2.0, 4.0, 0.25), 2.5);
        assert_eq!(lerp(2.0, 4.0, 0.75), 3.5);
    }

    #[test]
    fn maximum_propagates_nan() {
        assert!(maximum(f32::NAN, 1.0).is_nan());
        assert!(maximum(1.0, f32::NAN).is_nan());
        assert_eq!(maximum(1.0, 2.0), 2.0);
    }

    #[test]
    fn zero_grad_zeroes_every_element() {
        let mut g = [[1.0f32, 2.0], [3.0, 4.0]];
        zero_grad(&mut g);
        assert_eq!(g, [[0.0; 2]; 2]);
    }
}
