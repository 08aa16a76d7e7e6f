//! Learning-rate schedules of `torch.optim.lr_scheduler`, computed the way PyTorch computes
//! them: each epoch's rate is derived from the current one (so schedulers can be chained), in
//! `f64`.
//!
//! A scheduler is attached to an optimizer when it is built: like PyTorch's, it records each
//! group's `initial_lr` (if no scheduler has yet) and sets the rate of epoch 0. Call
//! [`step`](LrScheduler::step) once per epoch, after the epoch's optimizer steps.
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::optim::{LearningRates, LrScheduler, Sgd, SgdConfig, StepLr};
//!
//! let mut opt = Sgd::<[f32; 4]>::new(SgdConfig { lr: 0.1, ..Default::default() })?;
//! let mut schedule = StepLr::new(&mut opt, 2, 0.5)?;
//! let mut lrs = Vec::new();
//! for _epoch in 0..5 {
//!     lrs.push(opt.lr(0).unwrap());
//!     // ... the epoch's optimizer steps ...
//!     schedule.step(&mut opt)?;
//! }
//! assert_eq!(lrs, [0.1, 0.1, 0.05, 0.05, 0.025]);
//! # Ok::<(), backprop::optim::OptimError>(())
//! ```

use super::error::{non_negative, OptimError};
use super::{f64m, LearningRates};
use core::f64::consts::PI;

/// A learning-rate schedule over epochs.
pub trait LrScheduler {
    /// Ends an epoch: advances [`last_epoch`](LrScheduler::last_epoch) and sets the learning
    /// rate of every group of `opt` for the next one.
    ///
    /// Takes the optimizer as `&mut dyn LearningRates`, so that schedulers can themselves be
    /// used as `dyn LrScheduler` (a list of chained schedules, say); any `&mut` optimizer
    /// converts.
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError>;

    /// The epoch whose learning rates are set (0 right after the scheduler is built).
    fn last_epoch(&self) -> u64;
}

/// Records `initial_lr` where no scheduler has, as PyTorch's `group.setdefault("initial_lr")`.
fn attach<O: LearningRates + ?Sized>(opt: &mut O) -> Result<(), OptimError> {
    let groups = opt.num_groups();
    for g in 0..groups {
        if opt.initial_lr(g).is_none() {
            let lr = opt
                .lr(g)
                .ok_or(OptimError::NoSuchGroup { group: g, groups })?;
            opt.set_initial_lr(g, lr)?;
        }
    }
    Ok(())
}

/// Sets each group's rate to `next(lr, initial_lr)`.
fn update<O: LearningRates + ?Sized>(
    opt: &mut O,
    next: impl Fn(f64, f64) -> f64,
) -> Result<(), OptimError> {
    let groups = opt.num_groups();
    for g in 0..groups {
        let missing = OptimError::NoSuchGroup { group: g, groups };
        let lr = opt.lr(g).ok_or(missing.clone())?;
        let base = opt.initial_lr(g).ok_or(missing)?;
        opt.set_lr(g, next(lr, base))?;
    }
    Ok(())
}

fn positive(name: &'static str, value: f64) -> Result<(), OptimError> {
    if value > 0.0 {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperparameter {
            name,
            value,
            allowed: "> 0",
        })
    }
}

/// Sets the learning rate to `initial_lr * lambda(epoch)` (`LambdaLR`, one function for all
/// groups): any schedule, written as a closure.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambdaLr<F> {
    lambda: F,
    last_epoch: u64,
}

impl<F: Fn(u64) -> f64> LambdaLr<F> {
    /// Attaches the schedule to `opt`, setting the rates of epoch 0.
    pub fn new<O: LearningRates + ?Sized>(opt: &mut O, lambda: F) -> Result<Self, OptimError> {
        attach(opt)?;
        let factor = lambda(0);
        update(opt, |_, base| base * factor)?;
        Ok(LambdaLr {
            lambda,
            last_epoch: 0,
        })
    }
}

impl<F: Fn(u64) -> f64> LrScheduler for LambdaLr<F> {
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError> {
        self.last_epoch += 1;
        let factor = (self.lambda)(self.last_epoch);
        update(opt, |_, base| base * factor)
    }
    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

/// Multiplies the learning rate by `gamma` every `step_size` epochs (`StepLR`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLr {
    step_size: u64,
    gamma: f64,
    last_epoch: u64,
}

impl StepLr {
    /// Attaches the schedule to `opt`.
    pub fn new<O: LearningRates + ?Sized>(
        opt: &mut O,
        step_size: u64,
        gamma: f64,
    ) -> Result<Self, OptimError> {
        positive("step_size", step_size as f64)?;
        non_negative("gamma", gamma)?;
        attach(opt)?;
        Ok(StepLr {
            step_size,
            gamma,
            last_epoch: 0,
        })
    }
}

impl LrScheduler for StepLr {
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError> {
        self.last_epoch += 1;
        if self.last_epoch.is_multiple_of(self.step_size) {
            update(opt, |lr, _| lr * self.gamma)?;
        }
        Ok(())
    }
    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

/// Multiplies the learning rate by `gamma` at each epoch listed in `milestones` (`MultiStepLR`;
/// an epoch listed `n` times multiplies by `gamma^n`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MultiStepLr {
    milestones: &'static [u64],
    gamma: f64,
    last_epoch: u64,
}

impl MultiStepLr {
    /// Attaches the schedule to `opt`.
    pub fn new<O: LearningRates + ?Sized>(
        opt: &mut O,
        milestones: &'static [u64],
        gamma: f64,
    ) -> Result<Self, OptimError> {
        non_negative("gamma", gamma)?;
        attach(opt)?;
        let this = MultiStepLr {
            milestones,
            gamma,
            last_epoch: 0,
        };
        this.apply(opt)?;
        Ok(this)
    }

    fn apply<O: LearningRates + ?Sized>(&self, opt: &mut O) -> Result<(), OptimError> {
        let n = self
            .milestones
            .iter()
            .filter(|&&m| m == self.last_epoch)
            .count();
        if n > 0 {
            let factor = f64m::powf(self.gamma, n as f64);
            update(opt, |lr, _| lr * factor)?;
        }
        Ok(())
    }
}

impl LrScheduler for MultiStepLr {
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError> {
        self.last_epoch += 1;
        self.apply(opt)
    }
    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

/// Multiplies the learning rate by `gamma` every epoch (`ExponentialLR`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialLr {
    gamma: f64,
    last_epoch: u64,
}

impl ExponentialLr {
    /// Attaches the schedule to `opt`.
    pub fn new<O: LearningRates + ?Sized>(opt: &mut O, gamma: f64) -> Result<Self, OptimError> {
        non_negative("gamma", gamma)?;
        attach(opt)?;
        Ok(ExponentialLr {
            gamma,
            last_epoch: 0,
        })
    }
}

impl LrScheduler for ExponentialLr {
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError> {
        self.last_epoch += 1;
        update(opt, |lr, _| lr * self.gamma)
    }
    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

/// Cosine annealing from the initial rate down to `eta_min` over `t_max` epochs, then back up
/// over the next `t_max`, and so on (`CosineAnnealingLR`, without restarts):
/// `eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineAnnealingLr {
    t_max: u64,
    eta_min: f64,
    last_epoch: u64,
}

impl CosineAnnealingLr {
    /// Attaches the schedule to `opt`.
    pub fn new<O: LearningRates + ?Sized>(
        opt: &mut O,
        t_max: u64,
        eta_min: f64,
    ) -> Result<Self, OptimError> {
        positive("T_max", t_max as f64)?;
        non_negative("eta_min", eta_min)?;
        attach(opt)?;
        Ok(CosineAnnealingLr {
            t_max,
            eta_min,
            last_epoch: 0,
        })
    }
}

impl LrScheduler for CosineAnnealingLr {
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError> {
        self.last_epoch += 1;
        let (epoch, t_max, eta_min) = (self.last_epoch as f64, self.t_max as f64, self.eta_min);
        // PyTorch's recursive form; at the bottom of each cycle the ratio below would be 0/0,
        // so there it adds the first step of the climb instead.
        let bottom = (self.last_epoch as i128 - 1 - self.t_max as i128)
            .rem_euclid(2 * self.t_max as i128)
            == 0;
        if bottom {
            update(opt, |lr, base| {
                lr + (base - eta_min) * (1.0 - f64m::cos(PI / t_max)) / 2.0
            })
        } else {
            let ratio = (1.0 + f64m::cos(PI * epoch / t_max))
                / (1.0 + f64m::cos(PI * (epoch - 1.0) / t_max));
            update(opt, |lr, _| ratio * (lr - eta_min) + eta_min)
        }
    }
    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

/// Scales the learning rate linearly from `start_factor` to `end_factor` times the initial one
/// over `total_iters` epochs, then keeps it (`LinearLR`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearLr {
    start_factor: f64,
    end_factor: f64,
    total_iters: u64,
    last_epoch: u64,
}

impl LinearLr {
    /// Attaches the schedule to `opt`, multiplying its rates by `start_factor` at once.
    /// PyTorch's defaults are `1/3`, `1.0` and `5`.
    pub fn new<O: LearningRates + ?Sized>(
        opt: &mut O,
        start_factor: f64,
        end_factor: f64,
        total_iters: u64,
    ) -> Result<Self, OptimError> {
        if !(start_factor > 0.0 && start_factor <= 1.0) {
            let allowed = "in (0, 1]";
            return Err(OptimError::InvalidHyperparameter {
                name: "start_factor",
                value: start_factor,
                allowed,
            });
        }
        if !(0.0..=1.0).contains(&end_factor) {
            let allowed = "in [0, 1]";
            return Err(OptimError::InvalidHyperparameter {
                name: "end_factor",
                value: end_factor,
                allowed,
            });
        }
        attach(opt)?;
        update(opt, |lr, _| lr * start_factor)?;
        Ok(LinearLr {
            start_factor,
            end_factor,
            total_iters,
            last_epoch: 0,
        })
    }
}

impl LrScheduler for LinearLr {
    fn step(&mut self, opt: &mut dyn LearningRates) -> Result<(), OptimError> {
        self.last_epoch += 1;
        if self.last_epoch > self.total_iters {
            return Ok(());
        }
        let (start, end) = (self.start_factor, self.end_factor);
        let factor = 1.0
            + (end - start)
                / (self.total_iters as f64 * start + (self.last_epoch - 1) as f64 * (end - start));
        update(opt, |lr, _| lr * factor)
    }
    fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

/// Whether a smaller or a larger metric is an improvement, for [`ReduceLrOnPlateau`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlateauMode {
    /// A loss: smaller is better (PyTorch's `"min"`).
    #[default]
    Min,
    /// An accuracy: larger is better (`"max"`).
    Max,
}

/// How [`ReduceLrOnPlateau`] compares a metric with the best so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ThresholdMode {
    /// Better means better than `best * (1 - threshold)` (`Min`) or `best * (1 + threshold)`
    /// (`Max`): PyTorch's `"rel"`.
    #[default]
    Rel,
    /// Better means better than `best - threshold` (`Min`) or `best + threshold` (`Max`).
    Abs,
}

/// The settings of [`ReduceLrOnPlateau`], with PyTorch's defaults.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceLrOnPlateauConfig {
    /// Whether the metric should fall or rise.
    pub mode: PlateauMode,
    /// The factor a reduction multiplies every rate by, in `[0, 1)` (default 0.1).
    pub factor: f64,
    /// How many epochs without improvement are tolerated; the next one reduces (default 10).
    pub patience: u64,
    /// The least change that counts as an improvement (default 1e-4), see [`ThresholdMode`].
    pub threshold: f64,
    /// Whether `threshold` is relative or absolute.
    pub threshold_mode: ThresholdMode,
    /// Epochs after a reduction during which bad epochs are not counted (default 0).
    pub cooldown: u64,
    /// No reduction goes below this rate (default 0; one value for every group).
    pub min_lr: f64,
    /// A reduction smaller than this is skipped (default 1e-8).
    pub eps: f64,
}

impl Default for ReduceLrOnPlateauConfig {
    fn default() -> Self {
        ReduceLrOnPlateauConfig {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// Divides the learning rates when a metric stops improving (`ReduceLROnPlateau`).
///
/// Its [`step`](ReduceLrOnPlateau::step) takes the epoch's metric (a validation loss, say), so
/// it is not an [`LrScheduler`]; PyTorch's has the same `step(metrics)`. A NaN metric counts as
/// an epoch without improvement, as in PyTorch.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::optim::{
///     LearningRates, ReduceLrOnPlateau, ReduceLrOnPlateauConfig, Sgd, SgdConfig,
/// };
///
/// let mut opt = Sgd::<[f32; 4]>::new(SgdConfig { lr: 0.1, ..Default::default() })?;
/// let config = ReduceLrOnPlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
/// let mut schedule = ReduceLrOnPlateau::new(config)?;
/// for validation_loss in [1.0, 0.8, 0.8, 0.8, 0.7] {
///     // ... the epoch's optimizer steps ...
///     schedule.step(&mut opt, validation_loss)?;
/// }
/// // The second epoch without improvement (0.8 again) halved the rate.
/// assert_eq!(opt.lr(0), Some(0.05));
/// # Ok::<(), backprop::optim::OptimError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceLrOnPlateau {
    config: ReduceLrOnPlateauConfig,
    best: f64,
    num_bad_epochs: u64,
    cooldown_counter: u64,
    last_epoch: u64,
}

impl ReduceLrOnPlateau {
    /// Checks the settings. PyTorch refuses `factor >= 1`; negative or NaN factors, thresholds,
    /// `min_lr` and `eps` are refused here too.
    pub fn new(config: ReduceLrOnPlateauConfig) -> Result<Self, OptimError> {
        if !(0.0..1.0).contains(&config.factor) {
            return Err(OptimError::InvalidHyperparameter {
                name: "factor",
                value: config.factor,
                allowed: "in [0, 1)",
            });
        }
        non_negative("threshold", config.threshold)?;
        non_negative("min_lr", config.min_lr)?;
        non_negative("eps", config.eps)?;
        let best = match config.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        Ok(ReduceLrOnPlateau {
            config,
            best,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
        })
    }

    /// Ends an epoch with its `metric`; reduces the rates of every group of `opt` after more
    /// than `patience` epochs without improvement.
    pub fn step<O: LearningRates + ?Sized>(
        &mut self,
        opt: &mut O,
        metric: f64,
    ) -> Result<(), OptimError> {
        self.last_epoch += 1;
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.config.patience {
            let groups = opt.num_groups();
            for g in 0..groups {
                let lr = opt
                    .lr(g)
                    .ok_or(OptimError::NoSuchGroup { group: g, groups })?;
                let reduced = (lr * self.config.factor).max(self.config.min_lr);
                // A change below eps is not worth making.
                if lr - reduced > self.config.eps {
                    opt.set_lr(g, reduced)?;
                }
            }
            self.cooldown_counter = self.config.cooldown;
            self.num_bad_epochs = 0;
        }
        Ok(())
    }

    fn is_better(&self, metric: f64) -> bool {
        let (best, threshold) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => metric < best * (1.0 - threshold),
            (PlateauMode::Min, ThresholdMode::Abs) => metric < best - threshold,
            (PlateauMode::Max, ThresholdMode::Rel) => metric > best * (threshold + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => metric > best + threshold,
        }
    }

    /// The best metric so far (infinite before the first step).
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Epochs since the last improvement, not counting the cooldown.
    pub fn num_bad_epochs(&self) -> u64 {
        self.num_bad_epochs
    }

    /// The number of steps taken.
    pub fn last_epoch(&self) -> u64 {
        self.last_epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Sgd, SgdConfig};

    fn sgd(lr: f64) -> Sgd<f32> {
        Sgd::new(SgdConfig {
            lr,
            ..Default::default()
        })
        .unwrap()
    }

    fn rates<S: LrScheduler>(opt: &mut Sgd<f32>, mut s: S, epochs: usize) -> [f64; 24] {
        let mut out = [0.0; 24];
        for slot in out.iter_mut().take(epochs) {
            *slot = opt.lr(0).unwrap();
            s.step(opt).unwrap();
        }
        out
    }

    #[test]
    fn cosine_follows_its_closed_form_through_two_cycles() {
        let mut opt = sgd(0.1);
        let s = CosineAnnealingLr::new(&mut opt, 5, 0.01).unwrap();
        let got = rates(&mut opt, s, 24);
        for (epoch, lr) in got.iter().enumerate() {
            let closed = 0.01 + 0.09 * (1.0 + (PI * epoch as f64 / 5.0).cos()) / 2.0;
            assert!(
                (lr - closed).abs() < 1e-12,
                "epoch {epoch}: {lr} vs {closed}"
            );
        }
    }

    #[test]
    fn linear_reaches_the_end_factor_and_stays() {
        let mut opt = sgd(0.3);
        let s = LinearLr::new(&mut opt, 0.5, 1.0, 4).unwrap();
        let got = rates(&mut opt, s, 7);
        for (epoch, expected) in [0.15, 0.1875, 0.225, 0.2625, 0.3, 0.3, 0.3]
            .iter()
            .enumerate()
        {
            assert!(
                (got[epoch] - expected).abs() < 1e-15,
                "{epoch}: {}",
                got[epoch]
            );
        }
    }

    #[test]
    fn multistep_counts_repeated_milestones() {
        let mut opt = sgd(1.0);
        let s = MultiStepLr::new(&mut opt, &[2, 4, 4], 0.5).unwrap();
        let got = rates(&mut opt, s, 6);
        assert_eq!(got[..6], [1.0, 1.0, 0.5, 0.5, 0.125, 0.125]);
    }

    #[test]
    fn schedules_start_from_the_rate_when_first_attached() {
        let mut opt = sgd(0.1);
        opt.set_lr(0, 0.2).unwrap();
        let mut s = ExponentialLr::new(&mut opt, 0.5).unwrap();
        assert_eq!(opt.initial_lr(0), Some(0.2));
        s.step(&mut opt).unwrap();
        assert_eq!(opt.lr(0), Some(0.1));
        // A second scheduler keeps the first one's initial_lr.
        let _ = StepLr::new(&mut opt, 3, 0.1).unwrap();
        assert_eq!(opt.initial_lr(0), Some(0.2));
    }

    #[test]
    fn lambda_scales_the_initial_rate() {
        let mut opt = sgd(0.5);
        let s = LambdaLr::new(&mut opt, |epoch| 1.0 / (epoch + 1) as f64).unwrap();
        let got = rates(&mut opt, s, 4);
        assert_eq!(got[..4], [0.5, 0.25, 0.5 / 3.0, 0.125]);
        // A negative rate is refused by the optimizer, and the error reaches the caller.
        let mut opt = sgd(0.5);
        let mut s = LambdaLr::new(&mut opt, |epoch| 1.0 - epoch as f64).unwrap();
        assert_eq!(s.step(&mut opt), Ok(()));
        assert!(s.step(&mut opt).is_err());
        assert_eq!(opt.lr(0), Some(0.0));
    }

    #[test]
    fn plateau_counts_a_nan_metric_as_no_improvement() {
        let mut opt = sgd(0.1);
        let config = ReduceLrOnPlateauConfig {
            patience: 1,
            factor: 0.5,
            ..Default::default()
        };
        let mut s = ReduceLrOnPlateau::new(config).unwrap();
        s.step(&mut opt, 1.0).unwrap();
        s.step(&mut opt, f64::NAN).unwrap();
        assert_eq!(
            (s.num_bad_epochs(), s.best(), opt.lr(0)),
            (1, 1.0, Some(0.1))
        );
        s.step(&mut opt, f64::NAN).unwrap();
        assert_eq!((s.num_bad_epochs(), opt.lr(0)), (0, Some(0.05)));
        assert_eq!(s.last_epoch(), 3);
    }

    #[test]
    fn plateau_refuses_what_pytorch_refuses_and_more() {
        let with = |change: fn(&mut ReduceLrOnPlateauConfig)| {
            let mut config = ReduceLrOnPlateauConfig::default();
            change(&mut config);
            ReduceLrOnPlateau::new(config)
        };
        let factor = |value| OptimError::InvalidHyperparameter {
            name: "factor",
            value,
            allowed: "in [0, 1)",
        };
        assert_eq!(with(|c| c.factor = 1.0), Err(factor(1.0)));
        assert_eq!(with(|c| c.factor = -0.5), Err(factor(-0.5)));
        assert!(with(|c| c.factor = f64::NAN).is_err());
        assert!(with(|c| c.threshold = -1e-4).is_err());
        assert!(with(|c| c.min_lr = -1.0).is_err());
        assert!(with(|c| c.eps = f64::NAN).is_err());
        assert!(with(|c| c.factor = 0.0).is_ok());
    }

    #[test]
    fn bad_settings_are_typed_errors() {
        let mut opt = sgd(0.1);
        assert!(StepLr::new(&mut opt, 0, 0.1).is_err());
        assert!(ExponentialLr::new(&mut opt, -0.5).is_err());
        assert!(CosineAnnealingLr::new(&mut opt, 0, 0.0).is_err());
        assert!(LinearLr::new(&mut opt, 0.0, 1.0, 5).is_err());
        assert!(LinearLr::new(&mut opt, 0.5, 1.5, 5).is_err());
        assert!(MultiStepLr::new(&mut opt, &[1], f64::NAN).is_err());
    }
}
