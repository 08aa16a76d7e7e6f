//! One driver for every optimizer: parameter groups, the step count, the state buffers and
//! saved states. An [`UpdateRule`] says what one step does to one tensor; [`RuleOptimizer`]
//! does the rest.

use super::error::OptimError;
use super::group::{Groups, OptimConfig, ParamGroup, Select};
use super::{LearningRates, Optimizer};
use crate::params::Parameters;
use crate::tensor::Real;
use core::fmt;

/// The update rule of an optimizer, implemented by its configuration: the hyperparameters of
/// one parameter group, the `N` buffers it keeps per tensor (each the size of the tensor), and
/// what one step does to one tensor.
///
/// [`RuleOptimizer`] runs a rule over a [`Parameters`] tree; the optimizers of this module are
/// rules ([`SgdConfig`](super::SgdConfig), [`AdamConfig`](super::AdamConfig), ...) with a type
/// alias each ([`Sgd`](super::Sgd), [`Adam`](super::Adam), ...). A rule of your own gets groups,
/// schedules and saved states for free:
///
/// ```
/// use backprop_runtime::optim::{OptimConfig, OptimError, Optimizer, RuleOptimizer, UpdateRule};
///
/// /// Sign descent with a running count of sign changes per weight.
/// #[derive(Clone, Copy, Debug, PartialEq)]
/// struct SignSgd { lr: f64 }
///
/// impl OptimConfig for SignSgd {
///     fn lr(&self) -> f64 { self.lr }
///     fn set_lr(&mut self, lr: f64) { self.lr = lr; }
///     fn validate(&self) -> Result<(), OptimError> { Ok(()) }
/// }
///
/// impl UpdateRule<1> for SignSgd {
///     const NAME: &'static str = "SignSGD";
///     const BUFFERS: [&'static str; 1] = ["last_sign"];
///     #[inline]
///     fn update(&self, _t: u64, p: &mut [f32], grad: &[f32], [last]: [&mut [f32]; 1]) {
///         for ((p, g), last) in p.iter_mut().zip(grad).zip(last) {
///             *p -= self.lr as f32 * g.signum();
///             *last = g.signum();
///         }
///     }
/// }
///
/// let mut opt = RuleOptimizer::<SignSgd, [f32; 2], 1>::new(SignSgd { lr: 0.5 })?;
/// let mut w = [1.0f32, 1.0];
/// opt.step(&mut w, &[3.0, -0.1]);
/// assert_eq!(w, [0.5, 1.5]);
/// # Ok::<(), OptimError>(())
/// ```
pub trait UpdateRule<const N: usize, F: Real = f32>: OptimConfig {
    /// The optimizer's name in saved states (PyTorch's class name, `"Adam"`).
    const NAME: &'static str;
    /// The names of its buffers in saved states (PyTorch's, `"exp_avg"`).
    const BUFFERS: [&'static str; N];

    /// The value every element of buffer `buffer` starts at, for the tensors of a group with
    /// this configuration. Default `0`.
    fn initial_value(&self, buffer: usize) -> F {
        let _ = buffer;
        F::ZERO
    }

    /// Step `t` (counted from 1) on one tensor: its values `p`, its gradient and its buffers,
    /// in the order of [`BUFFERS`](UpdateRule::BUFFERS). The three slices have the tensor's
    /// length.
    ///
    /// Mark it `#[inline]`: on x86-64 with `std`, [`RuleOptimizer`] calls it from a copy of the
    /// step compiled for AVX2 and FMA (when the CPU has them), which only reaches a body it
    /// can inline.
    fn update(&self, t: u64, p: &mut [F], grad: &[F], state: [&mut [F]; N]);
}

/// An optimizer made of an [`UpdateRule`] `R` with `N` buffers, over the parameters `P` (of
/// the float type `F`), in `G` parameter groups.
///
/// With the `std` feature the buffers live in one heap allocation, zeroed in place, so that
/// building an optimizer for a model of megabytes takes no stack; without it (and without an
/// allocator) they are held inline. Nothing is allocated after construction.
pub struct RuleOptimizer<R, P, const N: usize, const G: usize = 1, F = f32> {
    groups: Groups<R, G>,
    state: Buffers<P, N, F>,
    steps: u64,
}

impl<F: Real, R: UpdateRule<N, F>, P: Parameters<F>, const N: usize> RuleOptimizer<R, P, N, 1, F> {
    /// The optimizer over every tensor of the parameters.
    pub fn new(config: R) -> Result<Self, OptimError> {
        Self::with_groups([ParamGroup::new(Select::All, config)])
    }
}

impl<F: Real, R: UpdateRule<N, F>, P: Parameters<F>, const N: usize, const G: usize>
    RuleOptimizer<R, P, N, G, F>
{
    /// The optimizer with a configuration per parameter group. Every configuration is
    /// validated, and the groups must be disjoint and each select a tensor.
    pub fn with_groups(groups: [ParamGroup<R>; G]) -> Result<Self, OptimError> {
        let groups = Groups::new::<P, F>(groups)?;
        let mut state = Buffers::zeroed();
        for k in 0..P::TENSORS {
            if let Some(g) = groups.group_of::<P, F>(k) {
                for b in 0..N {
                    let value = groups.config(g).initial_value(b);
                    if value.to_f64().to_bits() != 0 {
                        state.tensor_mut(b, k).fill(value);
                    }
                }
            }
        }
        Ok(RuleOptimizer {
            groups,
            state,
            steps: 0,
        })
    }

    /// The hyperparameters of `group`.
    pub fn config(&self, group: usize) -> Option<&R> {
        (group < G).then(|| self.groups.config(group))
    }
}

impl<F: Real, R: UpdateRule<N, F>, P: Parameters<F>, const N: usize, const G: usize> Optimizer<F>
    for RuleOptimizer<R, P, N, G, F>
{
    type Params = P;

    fn step(&mut self, params: &mut P, grads: &P) {
        self.steps = self.steps.saturating_add(1); // a loaded state may hold any count
        for k in 0..P::TENSORS {
            if let Some(g) = self.groups.group_of::<P, F>(k) {
                update(
                    self.groups.config(g),
                    self.steps,
                    params.tensor_mut(k),
                    grads.tensor(k),
                    self.state.tensors_mut(k),
                );
            }
        }
    }

    fn steps(&self) -> u64 {
        self.steps
    }
}

/// `rule.update(...)`, on a copy compiled for AVX2 and FMA where the CPU has them (std, x86-64).
///
/// The rules round like PyTorch, which fuses multiply-adds (`f32::mul_add`). Compiled for the
/// baseline x86-64 target, each of those is a call into a software `fmaf` (measured: about
/// 2.5 ns an element, 250 us of a 100k-parameter SGD step); in the copy they are one vector
/// instruction for eight elements, with the same rounding.
#[inline]
fn update<F: Real, R: UpdateRule<N, F>, const N: usize>(
    rule: &R,
    t: u64,
    p: &mut [F],
    grad: &[F],
    state: [&mut [F]; N],
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has both features, checked just above.
        unsafe { update_avx2_fma(rule, t, p, grad, state) };
        return;
    }
    rule.update(t, p, grad, state);
}

/// [`update`] for CPUs with AVX2 and FMA: the rule's body (its `update` is `#[inline]`) is
/// compiled again here with both features enabled.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn update_avx2_fma<F: Real, R: UpdateRule<N, F>, const N: usize>(
    rule: &R,
    t: u64,
    p: &mut [F],
    grad: &[F],
    state: [&mut [F]; N],
) {
    rule.update(t, p, grad, state);
}

impl<R: OptimConfig, P, const N: usize, const G: usize, F> LearningRates
    for RuleOptimizer<R, P, N, G, F>
{
    fn num_groups(&self) -> usize {
        G
    }
    fn lr(&self, group: usize) -> Option<f64> {
        self.groups.lr(group)
    }
    fn set_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        self.groups.set_lr(group, lr)
    }
    fn initial_lr(&self, group: usize) -> Option<f64> {
        self.groups.initial_lr(group)
    }
    fn set_initial_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        self.groups.set_initial_lr(group, lr)
    }
}

#[cfg(feature = "std")]
impl<R: UpdateRule<N>, P: Parameters, const N: usize, const G: usize> super::Checkpoint
    for RuleOptimizer<R, P, N, G>
{
    fn state_dict(&self) -> super::StateDict {
        super::state_dict::save(R::NAME, self.steps, &self.groups, R::BUFFERS, &self.state)
    }

    fn load_state_dict(&mut self, state: &super::StateDict) -> Result<(), OptimError> {
        super::state_dict::load(
            state,
            R::NAME,
            &mut self.steps,
            &mut self.groups,
            R::BUFFERS,
            &mut self.state,
        )
    }
}

impl<F: Real, R: Copy, P: Parameters<F>, const N: usize, const G: usize> Clone
    for RuleOptimizer<R, P, N, G, F>
{
    fn clone(&self) -> Self {
        RuleOptimizer {
            groups: self.groups,
            state: self.state.clone(),
            steps: self.steps,
        }
    }
}

impl<F: Real, R: PartialEq, P: Parameters<F>, const N: usize, const G: usize> PartialEq
    for RuleOptimizer<R, P, N, G, F>
{
    fn eq(&self, other: &Self) -> bool {
        self.steps == other.steps && self.groups == other.groups && self.state == other.state
    }
}

impl<F: Real, R: fmt::Debug, P: Parameters<F>, const N: usize, const G: usize> fmt::Debug
    for RuleOptimizer<R, P, N, G, F>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleOptimizer")
            .field("groups", &self.groups)
            .field("state", &self.state)
            .field("steps", &self.steps)
            .finish()
    }
}

/// `N` zero-initialised buffers shaped like `P`: with `std`, one zeroed heap allocation of
/// `N * P::numel()` scalars, buffer after buffer, each laid out as `P`'s tensors in order.
#[cfg(feature = "std")]
pub(crate) struct Buffers<P, const N: usize, F = f32> {
    data: Box<[F]>,
    parameters: core::marker::PhantomData<fn() -> P>,
}

#[cfg(feature = "std")]
impl<F: Real, P: Parameters<F>, const N: usize> Buffers<P, N, F> {
    fn zeroed() -> Self {
        // `vec![0.0; n]` asks the allocator for zeroed memory: nothing passes through the stack.
        Buffers {
            data: vec![F::ZERO; N * P::numel()].into_boxed_slice(),
            parameters: core::marker::PhantomData,
        }
    }

    /// Where tensor `k` starts in a buffer, and its length.
    fn span(k: usize) -> (usize, usize) {
        let start = (0..k).map(|j| P::shape(j).len()).sum();
        (start, P::shape(k).len())
    }

    pub(crate) fn tensor(&self, buffer: usize, k: usize) -> &[F] {
        let (start, len) = Self::span(k);
        let base = buffer * P::numel() + start;
        &self.data[base..base + len]
    }

    pub(crate) fn tensor_mut(&mut self, buffer: usize, k: usize) -> &mut [F] {
        let (start, len) = Self::span(k);
        let base = buffer * P::numel() + start;
        &mut self.data[base..base + len]
    }

    /// Tensor `k` of every buffer.
    fn tensors_mut(&mut self, k: usize) -> [&mut [F]; N] {
        let (start, len) = Self::span(k);
        let mut buffers = self.data.chunks_exact_mut(P::numel().max(1));
        core::array::from_fn(|_| match buffers.next() {
            Some(buffer) => &mut buffer[start..start + len],
            None => &mut [], // `P` has no scalar, so neither has any tensor
        })
    }
}

#[cfg(feature = "std")]
impl<P, const N: usize, F: Clone> Clone for Buffers<P, N, F> {
    fn clone(&self) -> Self {
        Buffers {
            data: self.data.clone(),
            parameters: core::marker::PhantomData,
        }
    }
}

/// `N` zero-initialised buffers shaped like `P`, held inline (no allocator without `std`).
#[cfg(not(feature = "std"))]
pub(crate) struct Buffers<P, const N: usize, F = f32>([P; N], core::marker::PhantomData<F>);

#[cfg(not(feature = "std"))]
impl<F: Real, P: Parameters<F>, const N: usize> Buffers<P, N, F> {
    fn zeroed() -> Self {
        Buffers(
            core::array::from_fn(|_| P::zero()),
            core::marker::PhantomData,
        )
    }

    pub(crate) fn tensor(&self, buffer: usize, k: usize) -> &[F] {
        self.0[buffer].tensor(k)
    }

    pub(crate) fn tensor_mut(&mut self, buffer: usize, k: usize) -> &mut [F] {
        self.0[buffer].tensor_mut(k)
    }

    /// Tensor `k` of every buffer.
    fn tensors_mut(&mut self, k: usize) -> [&mut [F]; N] {
        self.0.each_mut().map(|buffer| buffer.tensor_mut(k))
    }
}

#[cfg(not(feature = "std"))]
impl<F: Real, P: Parameters<F>, const N: usize> Clone for Buffers<P, N, F> {
    fn clone(&self) -> Self {
        let mut copy = Self::zeroed();
        for b in 0..N {
            for k in 0..P::TENSORS {
                copy.tensor_mut(b, k).copy_from_slice(self.tensor(b, k));
            }
        }
        copy
    }
}

impl<F: Real, P: Parameters<F>, const N: usize> PartialEq for Buffers<P, N, F> {
    fn eq(&self, other: &Self) -> bool {
        (0..N).all(|b| (0..P::TENSORS).all(|k| self.tensor(b, k) == other.tensor(b, k)))
    }
}

impl<F: Real, P: Parameters<F>, const N: usize> fmt::Debug for Buffers<P, N, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// One buffer, as the list of its tensors.
        struct Buffer<'a, P, const N: usize, F>(&'a Buffers<P, N, F>, usize);
        impl<F: Real, P: Parameters<F>, const N: usize> fmt::Debug for Buffer<'_, P, N, F> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries((0..P::TENSORS).map(|k| self.0.tensor(self.1, k)))
                    .finish()
            }
        }
        f.debug_list()
            .entries((0..N).map(|b| Buffer(self, b)))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{AdamConfig, SgdConfig};

    /// The dispatched update (the AVX2 + FMA copy where the CPU has it) rounds exactly like the
    /// rule called directly (a software `fmaf` on baseline x86-64): fused multiply-adds round
    /// once either way.
    #[test]
    fn dispatched_update_matches_the_rule_bit_for_bit() {
        // Vector lanes and a tail.
        let values: [f32; 1001] = crate::ops::check::rand(9);
        let grad: [f32; 1001] = crate::ops::check::rand(10);
        let sgd = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 0.01,
            nesterov: true,
            ..Default::default()
        };
        let adam = AdamConfig {
            weight_decay: 0.1,
            amsgrad: true,
            ..Default::default()
        };
        fn run<R: UpdateRule<N>, const N: usize>(
            rule: &R,
            direct: bool,
            v: &[f32],
            g: &[f32],
        ) -> Vec<u32> {
            let mut p = v.to_vec();
            let mut state: [Vec<f32>; N] =
                core::array::from_fn(|_| v.iter().map(|x| x.abs()).collect());
            for t in 1..=3 {
                let buffers = state.each_mut().map(|b| &mut b[..]);
                if direct {
                    rule.update(t, &mut p, g, buffers);
                } else {
                    update(rule, t, &mut p, g, buffers);
                }
            }
            p.iter()
                .chain(state.iter().flatten())
                .map(|x| x.to_bits())
                .collect()
        }
        assert_eq!(
            run(&sgd, true, &values, &grad),
            run(&sgd, false, &values, &grad)
        );
        assert_eq!(
            run(&adam, true, &values, &grad),
            run(&adam, false, &values, &grad)
        );
    }
}
