//! Gradient checking for users' tests: a gradient against central differences, one scalar of
//! one tensor at a time, over any [`Parameters`] tree.
//!
//! ```
//! # use backprop_runtime as backprop;
//! use backprop::gradcheck::{check_gradient, Tolerance};
//! use backprop::Parameters;
//!
//! #[derive(Parameters)]
//! struct Line {
//!     w: f32,
//!     b: f32,
//! }
//!
//! // loss = (w x + b - y)^2 at x = 2, y = 1
//! let loss = |p: &Line| (p.w * 2.0 + p.b - 1.0).powi(2);
//! let grad = |p: &Line, d: &mut Line| {
//!     let r = p.w * 2.0 + p.b - 1.0;
//!     d.w += 2.0 * r * 2.0; // gradients are added, as `_grad` functions do
//!     d.b += 2.0 * r;
//!     r * r
//! };
//! let report = check_gradient(loss, grad, &Line { w: 0.5, b: -0.25 }, Tolerance::default())?;
//! assert_eq!(report.checked, 2);
//! # Ok::<(), backprop::gradcheck::GradCheckError>(())
//! ```
//!
//! # How an entry is judged
//!
//! Each scalar `x` is moved by `h = step * max(1, |x|)` both ways and the central difference
//! `N = (f(x + h) - f(x - h)) / 2h` is compared with the analytic value `a`. The entry passes
//! when `|a - N|` is within [`Tolerance`]'s allowance, which scales with the gradient: a part
//! relative to `max(|a|, |N|)`, a multiple of the estimate's own `f32` rounding floor
//! (`f32::EPSILON * |f| / h`), and a small fraction of the largest gradient entry of the same
//! tensor. There is no fixed absolute tolerance by default, so a gradient of size `1e-3`
//! (a recurrent network's weights) is checked as strictly, relative to its size, as one of size
//! one.
//!
//! An entry that does not pass is looked at again with two more evaluations, `f(x ± h/2)`:
//!
//! - the central difference at `h/2` and its Richardson extrapolation `(4 N(h/2) - N(h)) / 3`,
//!   which removes the step's truncation error; if the analytic value agrees with that, the entry
//!   passes;
//! - the two one-sided derivatives, each from three points on one side of `x`. When they
//!   disagree, a kink (ReLU at 0, `abs`, `max`) lies within the step. If the analytic value
//!   matches one side, the entry is a [`Status::Kink`]: counted and listed in the report, not a
//!   failure. The gradient at a kink is whichever one-sided derivative the code picks, and a
//!   central difference across it measures neither.
//!
//! Anything else fails, with a [`Reason`]: the gradient differs from a derivative every estimate
//! agrees on (a bug), it matches neither side of a kink, the estimates disagree among themselves
//! by more than the tolerance (numeric noise: try a larger step), or a value is not finite.

use crate::params::Parameters;
use crate::tensor::Real;
use std::fmt;

/// How close an analytic gradient must be to its finite-difference estimate.
///
/// An entry with analytic value `a`, central difference `n` and step `h` passes when
///
/// ```text
/// |a - n| <= abs + rel * max(|a|, |n|) + rounding * f32::EPSILON * max|f| / h + scale * g_max
/// ```
///
/// where `max|f|` is the largest `|f|` among the evaluations behind `n` (so the third term is
/// `rounding` times the `f32` rounding floor of the estimate) and `g_max` is the largest `|n|`
/// in the same tensor. The defaults suit `f32` code: the estimate's truncation error, about
/// `h^2 |f'''| / 6`, is removed by extrapolation before an entry fails, and rounding is covered
/// by the third term whatever the scale of `f`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// The finite-difference step, relative to `max(1, |x|)`: `x` is moved to `x ± step *
    /// max(1, |x|)`. Default `5e-3` (about the cube root of `f32::EPSILON`, which balances
    /// rounding and truncation error).
    pub step: f32,
    /// A fixed absolute allowance, added to the others. Default `0`.
    pub abs: f32,
    /// Relative tolerance, a fraction of `max(|analytic|, |numeric|)`. Default `1e-2`.
    pub rel: f32,
    /// Multiples of the estimate's rounding floor, `f32::EPSILON * max|f| / h`, allowed for the
    /// rounding of `f` itself. Default `4` (each evaluation of `f` a few units in the last place
    /// off).
    pub rounding: f32,
    /// A fraction of the tensor's largest gradient entry, allowed for entries whose own gradient
    /// is near zero (where `rel` allows nothing and the analytic value carries the rounding of
    /// the tensor's larger terms). Default `1e-3`.
    pub scale: f32,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            step: 5e-3,
            abs: 0.0,
            rel: 1e-2,
            rounding: 4.0,
            scale: 1e-3,
        }
    }
}

impl Tolerance {
    /// The defaults for parameters of `F`: [`Tolerance::default`] for `f32`, and for `f64` a
    /// step of `1e-5` (about the cube root of `f64::EPSILON`) with a relative tolerance of
    /// `1e-6` and a scale allowance of `1e-8`.
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::gradcheck::Tolerance;
    ///
    /// assert_eq!(Tolerance::for_float::<f32>(), Tolerance::default());
    /// assert!(Tolerance::for_float::<f64>().rel < Tolerance::default().rel);
    /// ```
    pub fn for_float<F: Real>() -> Tolerance {
        if F::SIZE == 4 {
            return Tolerance::default();
        }
        Tolerance {
            step: 1e-5,
            abs: 0.0,
            rel: 1e-6,
            rounding: 4.0,
            scale: 1e-8,
        }
    }

    /// The allowance for an entry: `noise_floor` is `f32::EPSILON * max|f| / h`, `tensor_scale`
    /// the tensor's largest `|numeric|`.
    pub(crate) fn allowed(
        &self,
        analytic: f64,
        numeric: f64,
        noise_floor: f64,
        tensor_scale: f64,
    ) -> f64 {
        let size = analytic.abs().max(numeric.abs());
        f64::from(self.abs)
            + f64::from(self.rel) * size
            + f64::from(self.rounding) * noise_floor
            + f64::from(self.scale) * tensor_scale
    }

    /// The allowance for two values of `F` that should be equal up to its rounding.
    fn allowed_value<F: Real>(&self, a: f64, b: f64) -> f64 {
        let size = a.abs().max(b.abs());
        f64::from(self.abs)
            + f64::from(self.rel) * size
            + f64::from(self.rounding.max(4.0)) * F::EPSILON * size
    }

    fn validate(&self) -> Result<(), GradCheckError> {
        let reason = if !(self.step.is_finite() && self.step > 0.0) {
            "the step must be finite and positive"
        } else if !(self.abs.is_finite() && self.abs >= 0.0) {
            "the absolute tolerance must be finite and not negative"
        } else if !(self.rel.is_finite() && self.rel >= 0.0) {
            "the relative tolerance must be finite and not negative"
        } else if !(self.rounding.is_finite() && self.rounding >= 0.0) {
            "the rounding allowance must be finite and not negative"
        } else if !(self.scale.is_finite() && self.scale >= 0.0) {
            "the scale allowance must be finite and not negative"
        } else {
            return Ok(());
        };
        Err(GradCheckError::InvalidTolerance {
            tolerance: *self,
            reason,
        })
    }
}

/// How an entry came out.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Status {
    /// Within tolerance (of the central difference, or of its extrapolation to a zero step).
    Passed,
    /// A kink lies within the step: the one-sided derivatives disagree and the analytic value
    /// matches one of them. Not a failure.
    Kink {
        /// The derivative from the left (`f(x - h)`, `f(x - h/2)`, `f(x)`).
        left: f32,
        /// The derivative from the right (`f(x)`, `f(x + h/2)`, `f(x + h)`).
        right: f32,
    },
    /// Out of tolerance, and why.
    Failed(Reason),
}

/// Why an entry failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Reason {
    /// The analytic value or the estimate is NaN or infinite.
    NotFinite,
    /// The function is smooth here (both one-sided derivatives and the central differences at
    /// `h` and `h/2` agree) and the analytic value differs from them: a wrong gradient.
    DiffersFromDerivative {
        /// The central difference at half the step.
        half_step: f32,
    },
    /// The one-sided derivatives disagree (a kink within the step, or a function too rough at
    /// this step, such as `f32` code through a chaotic recurrence) and the analytic value matches
    /// neither side.
    DiffersFromBothSides {
        /// The derivative from the left.
        left: f32,
        /// The derivative from the right.
        right: f32,
    },
    /// The estimates at `h` and `h/2` disagree with each other by more than the tolerance: the
    /// finite differences are too noisy here to judge the gradient (try a larger step, or
    /// evaluate `f` more accurately).
    NumericNoise {
        /// The central difference at half the step.
        half_step: f32,
    },
    /// Called again on a non-zero gradient, the gradient function did not end at that gradient
    /// plus its own: it overwrites instead of adding (in [`GradCheckError::NotAccumulated`]).
    NotAdded,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NotFinite => write!(f, "not finite"),
            Reason::DiffersFromDerivative { half_step } => write!(
                f,
                "differs from the derivative (smooth here: the central difference at half the \
                 step, {half_step:e}, and both one-sided derivatives agree)"
            ),
            Reason::DiffersFromBothSides { left, right } => write!(
                f,
                "differs from both one-sided derivatives, which disagree (left {left:e}, right \
                 {right:e}: a kink within the step, or a function too rough at this step)"
            ),
            Reason::NumericNoise { half_step } => write!(
                f,
                "numeric noise above tolerance (the central difference at half the step is \
                 {half_step:e}); try a larger step"
            ),
            Reason::NotAdded => write!(f, "not added to the gradient it was given"),
        }
    }
}

/// One scalar of the parameters, compared.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// The tensor's dotted name (`layer1.weight`).
    pub name: String,
    /// The tensor's index in `0..P::TENSORS`.
    pub tensor: usize,
    /// The element's index in the tensor, outermost dimension first (empty for a scalar).
    pub index: Vec<usize>,
    /// The gradient under test.
    pub analytic: f32,
    /// The finite-difference estimate: the central difference, or its extrapolation when the
    /// entry was looked at again (or, in [`GradCheckError::NotAccumulated`], what the gradient
    /// should have added up to).
    pub numeric: f32,
    /// `|analytic - numeric|` (NaN if either is).
    pub error: f32,
    /// What the tolerance allows for this component.
    pub allowed: f32,
    /// Passed, at a kink, or failed and why.
    pub status: Status,
}

impl Component {
    /// How far past its allowance the component is; NaN counts as infinitely far.
    fn excess(&self) -> f32 {
        if self.error.is_nan() {
            f32::INFINITY
        } else {
            self.error - self.allowed
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:?}: analytic {:e}, numeric {:e}, error {:e} (allowed {:e})",
            self.name, self.index, self.analytic, self.numeric, self.error, self.allowed
        )?;
        match &self.status {
            Status::Passed => Ok(()),
            Status::Kink { left, right } => write!(
                f,
                ": at a kink within the step (left derivative {left:e}, right {right:e})"
            ),
            Status::Failed(reason) => write!(f, ": {reason}"),
        }
    }
}

/// How many failed and kink entries a report lists (the counts are complete).
pub const LISTED: usize = 16;

/// What a gradient check measured.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheckReport {
    /// The function's value at the parameters.
    pub value: f32,
    /// How many scalars were compared (`P::numel()`).
    pub checked: usize,
    /// How many of them failed.
    pub failures: usize,
    /// The component furthest past its tolerance (or, when all pass, the passing one closest to
    /// it); `None` when the parameters hold no scalar.
    pub worst: Option<Component>,
    /// The tolerance used.
    pub tolerance: Tolerance,
    /// How many entries straddle a kink (see [`Status::Kink`]); not failures.
    pub kinks: usize,
    /// The first [`LISTED`] of those entries.
    pub kink_entries: Vec<Component>,
    /// The [`LISTED`] failed entries furthest past their tolerance, worst first, each with its
    /// [`Reason`].
    pub failed: Vec<Component>,
}

impl fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} gradient components out of tolerance",
            self.failures, self.checked
        )?;
        if self.kinks > 0 {
            write!(
                f,
                ", {} at a kink within the step (not failures)",
                self.kinks
            )?;
        }
        if let Some(worst) = &self.worst {
            write!(f, "; worst {worst}")?;
        }
        for c in self.failed.iter().skip(1) {
            write!(f, "\n  failed {c}")?;
        }
        if self.failures > self.failed.len() {
            write!(f, "\n  ... and {} more", self.failures - self.failed.len())?;
        }
        for c in &self.kink_entries {
            write!(f, "\n  kink {c}")?;
        }
        if self.kinks > self.kink_entries.len() {
            write!(
                f,
                "\n  ... and {} more kinks",
                self.kinks - self.kink_entries.len()
            )?;
        }
        Ok(())
    }
}

/// Why a gradient check failed.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GradCheckError {
    /// The tolerance is unusable (a step that is not positive, a negative tolerance, NaN).
    InvalidTolerance {
        /// The tolerance given.
        tolerance: Tolerance,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The value returned by the gradient function differs from the function's.
    ValueMismatch {
        /// The function's value.
        value: f32,
        /// The value the gradient function returned.
        from_gradient: f32,
    },
    /// Some components failed; the report lists the worst, each with its [`Reason`].
    OutOfTolerance(Box<GradCheckReport>),
    /// The gradient function overwrote the gradient instead of adding to it (the calling
    /// convention of `_grad` functions: the caller zeroes, the callee accumulates).
    NotAccumulated {
        /// A component where `start + gradient` was expected and something else was found.
        component: Component,
    },
}

impl fmt::Display for GradCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GradCheckError::InvalidTolerance { tolerance, reason } => {
                write!(
                    f,
                    "invalid gradient-check tolerance {tolerance:?}: {reason}"
                )
            }
            GradCheckError::ValueMismatch {
                value,
                from_gradient,
            } => write!(
                f,
                "the gradient function returns the value {from_gradient:e}, the function {value:e}"
            ),
            GradCheckError::OutOfTolerance(report) => write!(f, "gradient check failed: {report}"),
            GradCheckError::NotAccumulated { component } => write!(
                f,
                "the gradient function overwrites its gradient argument instead of adding to it: \
                 {component}"
            ),
        }
    }
}

impl std::error::Error for GradCheckError {}

/// Checks `grad` against central differences of `f` at `params`, every scalar of every tensor.
///
/// `grad(p, d)` must add the gradient of `f` at `p` into `d` and return `f(p)`, which is the
/// layout of a generated `_grad` function for a by-reference parameter (`|p, d| loss_grad(p, d,
/// &x, &y)`). The check also verifies those two parts of the contract: the returned value
/// matches `f`, and a second call on a non-zero `d` adds rather than overwrites.
///
/// Costs `2 * P::numel() + 1` evaluations of `f`, two more per entry out of tolerance at the
/// first look (see the [module documentation](self)), and two calls of `grad`. Returns the report
/// when no entry fails (entries at a kink are counted in [`GradCheckReport::kinks`], not failed),
/// else the reason; nothing panics on a bad gradient or tolerance.
pub fn check_gradient<F: Real, P: Parameters<F>>(
    f: impl Fn(&P) -> F,
    grad: impl Fn(&P, &mut P) -> F,
    params: &P,
    tol: Tolerance,
) -> Result<GradCheckReport, GradCheckError> {
    tol.validate()?;
    // A copy made through the trait, so `P` need not be `Clone`.
    let mut x = P::zero();
    for k in 0..P::TENSORS {
        x.tensor_mut(k).copy_from_slice(params.tensor(k));
    }

    let value = f(&x).to_f64();
    let mut analytic = P::zero();
    let from_gradient = grad(&x, &mut analytic).to_f64();
    let value_error = (from_gradient - value).abs();
    if !(value_error <= tol.allowed_value::<F>(value, from_gradient)
        || value.to_bits() == from_gradient.to_bits())
    {
        return Err(GradCheckError::ValueMismatch {
            value: value as f32,
            from_gradient: from_gradient as f32,
        });
    }

    let mut failures = 0;
    let mut checked = 0;
    let mut kinks = 0;
    let mut kink_entries = Vec::new();
    let mut failed: Vec<Component> = Vec::new();
    let mut worst: Option<Component> = None;
    for k in 0..P::TENSORS {
        let probes: Vec<Probe> = (0..x.tensor(k).len())
            .map(|i| Probe::central(&f, &mut x, k, i, tol.step))
            .collect();
        let tensor_scale = probes
            .iter()
            .map(|p| p.numeric.abs())
            .filter(|n| n.is_finite())
            .fold(0.0, f64::max);
        for (i, probe) in probes.iter().enumerate() {
            let a = analytic.tensor(k)[i].to_f64();
            let component = judge(&f, &mut x, k, i, a, probe, value, tensor_scale, &tol);
            checked += 1;
            match component.status {
                Status::Passed => {
                    if failures == 0
                        && worst
                            .as_ref()
                            .is_none_or(|w| component.excess() > w.excess())
                    {
                        worst = Some(component);
                    }
                }
                Status::Kink { .. } => {
                    kinks += 1;
                    if kink_entries.len() < LISTED {
                        kink_entries.push(component);
                    }
                }
                Status::Failed(_) => {
                    failures += 1;
                    let at = failed.partition_point(|c| c.excess() >= component.excess());
                    if at < LISTED {
                        failed.insert(at, component);
                        failed.truncate(LISTED);
                    }
                }
            }
        }
    }
    if let Some(first) = failed.first() {
        worst = Some(first.clone());
    }
    let report = GradCheckReport {
        value: value as f32,
        checked,
        failures,
        worst,
        tolerance: tol,
        kinks,
        kink_entries,
        failed,
    };
    if failures > 0 {
        return Err(GradCheckError::OutOfTolerance(Box::new(report)));
    }

    // Start from a known non-zero gradient: a function that adds ends at `start + analytic`.
    const START: f64 = 1.0;
    let mut accumulated = P::zero();
    for k in 0..P::TENSORS {
        accumulated.tensor_mut(k).fill(F::from_f64(START));
    }
    grad(&x, &mut accumulated);
    for k in 0..P::TENSORS {
        for (i, (&sum, &g)) in accumulated
            .tensor(k)
            .iter()
            .zip(analytic.tensor(k))
            .enumerate()
        {
            let (sum, g) = (sum.to_f64(), g.to_f64());
            let want = START + g;
            let allowed = tol.allowed_value::<F>(sum, want) + 4.0 * F::EPSILON * (START + g.abs());
            let error = (sum - want).abs();
            if error.is_nan() || error > allowed {
                return Err(GradCheckError::NotAccumulated {
                    component: Component {
                        error: error as f32,
                        allowed: allowed as f32,
                        status: Status::Failed(Reason::NotAdded),
                        ..place::<F, P>(k, i, sum, want)
                    },
                });
            }
        }
    }
    Ok(report)
}

/// `f` at `x ± h` for one scalar, and the central difference (values of the parameters' float
/// type, held exactly as `f64`).
struct Probe {
    x0: f64,
    up: f64,
    down: f64,
    f_up: f64,
    f_down: f64,
    numeric: f64,
}

impl Probe {
    /// `(f(x + h) - f(x - h)) / (x+h - (x-h))` for scalar `i` of tensor `k`, with the difference
    /// of the rounded points in the denominator, computed in `f64`; leaves `x` as it was.
    fn central<F: Real, P: Parameters<F>>(
        f: &impl Fn(&P) -> F,
        x: &mut P,
        k: usize,
        i: usize,
        step: f32,
    ) -> Probe {
        let x0 = x.tensor(k)[i];
        let scale = if Real::abs(x0) > F::ONE {
            Real::abs(x0)
        } else {
            F::ONE
        };
        let h = F::from_f64(f64::from(step)) * scale;
        // The points rounded to `F`, as `f` sees them.
        let (up, down) = ((x0 + h).to_f64(), (x0 - h).to_f64());
        let f_up = eval_at(f, x, k, i, up);
        let f_down = eval_at(f, x, k, i, down);
        Probe {
            x0: x0.to_f64(),
            up,
            down,
            f_up,
            f_down,
            numeric: (f_up - f_down) / (up - down),
        }
    }
}

/// `f` with scalar `i` of tensor `k` set to `v` (a value of `F`); puts the old value back.
fn eval_at<F: Real, P: Parameters<F>>(
    f: &impl Fn(&P) -> F,
    x: &mut P,
    k: usize,
    i: usize,
    v: f64,
) -> f64 {
    let old = x.tensor(k)[i];
    x.tensor_mut(k)[i] = F::from_f64(v);
    let y = f(x);
    x.tensor_mut(k)[i] = old;
    y.to_f64()
}

/// The derivative at `0` of the parabola through `(0, f0)`, `(t1, f1)`, `(t2, f2)`.
fn three_point(f0: f64, t1: f64, f1: f64, t2: f64, f2: f64) -> f64 {
    -f0 * (1.0 / t1 + 1.0 / t2) + f1 * t2 / (t1 * (t2 - t1)) - f2 * t1 / (t2 * (t2 - t1))
}

#[allow(clippy::too_many_arguments)]
fn judge<F: Real, P: Parameters<F>>(
    f: &impl Fn(&P) -> F,
    x: &mut P,
    k: usize,
    i: usize,
    a: f64,
    p: &Probe,
    value: f64,
    tensor_scale: f64,
    tol: &Tolerance,
) -> Component {
    let h = (p.up - p.down) / 2.0;
    let mut f_max = value.abs().max(p.f_up.abs()).max(p.f_down.abs());
    let floor = |f_max: f64| F::EPSILON * f_max / h;
    let allowed = tol.allowed(a, p.numeric, floor(f_max), tensor_scale);
    let done = |numeric: f64, allowed: f64, status: Status| Component {
        error: (a - numeric).abs() as f32,
        allowed: allowed as f32,
        status,
        ..place::<F, P>(k, i, a, numeric)
    };
    if (a - p.numeric).abs() <= allowed {
        return done(p.numeric, allowed, Status::Passed);
    }
    if !(a.is_finite() && p.numeric.is_finite()) {
        return done(p.numeric, allowed, Status::Failed(Reason::NotFinite));
    }

    // A second look: half the step, both ways.
    let x0 = F::from_f64(p.x0);
    let half = F::from_f64(p.up - p.x0) / (F::ONE + F::ONE);
    let (up2, down2) = ((x0 + half).to_f64(), (x0 - half).to_f64());
    let f_up2 = eval_at(f, x, k, i, up2);
    let f_down2 = eval_at(f, x, k, i, down2);
    f_max = f_max.max(f_up2.abs()).max(f_down2.abs());
    let (f0, fu, fd, fu2, fd2) = (value, p.f_up, p.f_down, f_up2, f_down2);
    let at = |v: f64| v - p.x0;
    let half_step = (fu2 - fd2) / (up2 - down2);
    let extrapolated = (4.0 * half_step - p.numeric) / 3.0;
    let left = three_point(f0, at(down2), fd2, at(p.down), fd);
    let right = three_point(f0, at(up2), fu2, at(p.up), fu);
    if !(half_step.is_finite() && left.is_finite() && right.is_finite()) {
        return done(p.numeric, allowed, Status::Failed(Reason::NotFinite));
    }
    let nu = floor(f_max);
    let allowed = tol.allowed(a, extrapolated, nu, tensor_scale);
    if (a - extrapolated).abs() <= allowed {
        return done(extrapolated, allowed, Status::Passed);
    }
    // A one-sided estimate carries about five times the rounding of a central one.
    let side_allowed = allowed + 8.0 * nu;
    let sides_agree = (left - right).abs() <= 2.0 * side_allowed;
    if !sides_agree {
        if (a - left).abs() <= side_allowed || (a - right).abs() <= side_allowed {
            let status = Status::Kink {
                left: left as f32,
                right: right as f32,
            };
            return done(p.numeric, allowed, status);
        }
        let reason = Reason::DiffersFromBothSides {
            left: left as f32,
            right: right as f32,
        };
        return done(extrapolated, allowed, Status::Failed(reason));
    }
    let half_step = half_step as f32;
    let reason = if (p.numeric - f64::from(half_step)).abs() > allowed {
        Reason::NumericNoise { half_step }
    } else {
        Reason::DiffersFromDerivative { half_step }
    };
    done(extrapolated, allowed, Status::Failed(reason))
}

/// A component's name and index, for scalar `flat` of tensor `k`; passed until judged.
fn place<F: Real, P: Parameters<F>>(
    k: usize,
    flat: usize,
    analytic: f64,
    numeric: f64,
) -> Component {
    // Row-major: the last dimension varies fastest.
    let dims = P::shape(k);
    let mut index = vec![0; dims.dims().len()];
    let mut rest = flat;
    for (slot, &d) in index.iter_mut().zip(dims.dims()).rev() {
        *slot = rest % d;
        rest /= d;
    }
    Component {
        name: P::name(k),
        tensor: k,
        index,
        analytic: analytic as f32,
        numeric: numeric as f32,
        error: (analytic - numeric).abs() as f32,
        allowed: 0.0,
        status: Status::Passed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Zero;

    #[derive(crate::Parameters, Debug, PartialEq)]
    struct Linear<const IN: usize, const OUT: usize> {
        weight: [[f32; IN]; OUT],
        bias: [f32; OUT],
    }

    impl<const IN: usize, const OUT: usize> Linear<IN, OUT> {
        fn forward(&self, x: &[f32; IN]) -> [f32; OUT] {
            core::array::from_fn(|o| {
                self.bias[o] + (0..IN).map(|i| self.weight[o][i] * x[i]).sum::<f32>()
            })
        }
    }

    #[derive(crate::Parameters, Debug, PartialEq)]
    struct Mlp {
        layer1: Linear<2, 3>,
        layer2: Linear<3, 1>,
    }

    const X: [f32; 2] = [0.7, -1.3];
    const Y: f32 = 0.25;

    fn mlp() -> Mlp {
        let mut m = Mlp::zero();
        let mut v = 0.3f32;
        for k in 0..Mlp::TENSORS {
            for x in m.tensor_mut(k) {
                *x = v;
                v = (v * 1.7 + 0.45) % 1.0 - 0.5;
            }
        }
        m
    }

    /// `(layer2(tanh(layer1(x))) - y)^2 / 2`
    fn loss(m: &Mlp) -> f32 {
        let h = m.layer1.forward(&X).map(f32::tanh);
        let r = m.layer2.forward(&h)[0] - Y;
        r * r / 2.0
    }

    /// Backpropagation by hand; `tanh_derivative: false` plants the classic bug.
    fn loss_grad(m: &Mlp, d: &mut Mlp, tanh_derivative: bool) -> f32 {
        let h = m.layer1.forward(&X).map(f32::tanh);
        let r = m.layer2.forward(&h)[0] - Y;
        d.layer2.bias[0] += r;
        for (j, &hj) in h.iter().enumerate() {
            d.layer2.weight[0][j] += r * hj;
            let tanh_prime = if tanh_derivative { 1.0 - hj * hj } else { 1.0 };
            let dz = r * m.layer2.weight[0][j] * tanh_prime;
            d.layer1.bias[j] += dz;
            for (dw, x) in d.layer1.weight[j].iter_mut().zip(X) {
                *dw += dz * x;
            }
        }
        r * r / 2.0
    }

    /// `sum (p - 0.3)^2`: its gradient `2 (p - 0.3)` is known exactly.
    fn quadratic(m: &Mlp) -> f32 {
        (0..Mlp::TENSORS)
            .flat_map(|k| m.tensor(k))
            .map(|p| (p - 0.3) * (p - 0.3))
            .sum()
    }

    fn quadratic_grad(m: &Mlp, d: &mut Mlp) -> f32 {
        for k in 0..Mlp::TENSORS {
            for (g, p) in d.tensor_mut(k).iter_mut().zip(m.tensor(k)) {
                *g += 2.0 * (p - 0.3);
            }
        }
        quadratic(m)
    }

    /// The report of a check that must fail for being out of tolerance.
    fn out_of_tolerance(err: GradCheckError) -> GradCheckReport {
        match err {
            GradCheckError::OutOfTolerance(report) => *report,
            other => panic!("expected out of tolerance, got {other:?}"),
        }
    }

    #[test]
    fn a_correct_backpropagation_passes() {
        let report = check_gradient(
            loss,
            |m, d| loss_grad(m, d, true),
            &mlp(),
            Tolerance::default(),
        )
        .unwrap();
        assert_eq!(report.checked, 13);
        assert_eq!(report.failures, 0);
        assert_eq!(report.value, loss(&mlp()));
        let worst = report.worst.unwrap();
        assert!(worst.error <= worst.allowed);
    }

    #[test]
    fn a_missing_activation_derivative_is_caught_in_the_right_layer() {
        let err = check_gradient(
            loss,
            |m, d| loss_grad(m, d, false),
            &mlp(),
            Tolerance::default(),
        )
        .unwrap_err();
        let report = out_of_tolerance(err);
        // Every failure is listed, worst first, with its reason.
        assert_eq!(report.failed.len(), report.failures);
        assert_eq!(report.failed.first(), report.worst.as_ref());
        for pair in report.failed.windows(2) {
            assert!(pair[0].excess() >= pair[1].excess());
        }
        for c in &report.failed {
            assert!(
                matches!(
                    c.status,
                    Status::Failed(Reason::DiffersFromDerivative { .. })
                ),
                "{c}"
            );
            assert!(c.to_string().contains("differs from the derivative"), "{c}");
        }
        let worst = report.worst.unwrap();
        assert!(worst.name.starts_with("layer1."), "{worst}");
        assert!(
            report.failures > 0 && report.failures <= 9,
            "only layer1's 9 scalars are wrong"
        );

        // The numeric estimate is the true derivative, which the correct backpropagation gives.
        let mut truth = Mlp::zero();
        loss_grad(&mlp(), &mut truth, true);
        // Row-major in a tensor of shape [3, 2] or [3].
        let flat = worst.index.iter().fold(0, |acc, &i| acc * 2 + i);
        let expected = truth.tensor(worst.tensor)[flat];
        assert!(
            (worst.numeric - expected).abs() < 1e-3,
            "{worst} vs {expected}"
        );
    }

    #[test]
    fn one_component_five_percent_off_is_found_by_name_and_index() {
        let p = mlp();
        let wrong = |m: &Mlp, d: &mut Mlp| {
            let value = quadratic_grad(m, d);
            d.layer1.weight[2][1] += 0.05 * 2.0 * (m.layer1.weight[2][1] - 0.3);
            value
        };
        let err = check_gradient(quadratic, wrong, &p, Tolerance::default()).unwrap_err();
        let report = out_of_tolerance(err);
        assert_eq!(report.failures, 1);
        let worst = report.worst.clone().unwrap();
        assert_eq!(
            (worst.name.as_str(), worst.tensor, worst.index.as_slice()),
            ("layer1.weight", 0, &[2, 1][..])
        );
        let exact = 2.0 * (p.layer1.weight[2][1] - 0.3);
        assert!(
            (worst.numeric - exact).abs() < 1e-4,
            "numeric {} vs exact {exact}",
            worst.numeric
        );
        assert!((worst.analytic - 1.05 * exact).abs() < 1e-6);
        assert!(
            report.to_string().contains("layer1.weight[2, 1]"),
            "{report}"
        );
    }

    #[test]
    fn the_exact_gradient_of_a_quadratic_passes_a_tight_tolerance() {
        let tight = Tolerance {
            abs: 1e-4,
            rel: 1e-4,
            ..Tolerance::default()
        };
        let report = check_gradient(quadratic, quadratic_grad, &mlp(), tight).unwrap();
        assert_eq!(report.checked, Mlp::numel());
    }

    #[test]
    fn a_gradient_that_overwrites_instead_of_adding_is_caught() {
        let overwrites = |m: &Mlp, d: &mut Mlp| {
            d.set_zero();
            quadratic_grad(m, d)
        };
        let err = check_gradient(quadratic, overwrites, &mlp(), Tolerance::default()).unwrap_err();
        let GradCheckError::NotAccumulated { component } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(component.status, Status::Failed(Reason::NotAdded));
        assert!(err.to_string().contains("not added"), "{err}");
    }

    #[test]
    fn a_wrong_returned_value_is_caught() {
        let err = check_gradient(
            quadratic,
            |m, d| quadratic_grad(m, d) + 1.0,
            &mlp(),
            Tolerance::default(),
        )
        .unwrap_err();
        assert!(
            matches!(err, GradCheckError::ValueMismatch { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn a_nan_gradient_fails() {
        let nan = |m: &Mlp, d: &mut Mlp| {
            let value = quadratic_grad(m, d);
            d.layer2.bias[0] = f32::NAN;
            value
        };
        let err = check_gradient(quadratic, nan, &mlp(), Tolerance::default()).unwrap_err();
        let report = out_of_tolerance(err);
        assert_eq!(report.worst.unwrap().name, "layer2.bias");
    }

    #[test]
    fn unusable_tolerances_are_errors() {
        for bad in [
            Tolerance {
                step: 0.0,
                ..Tolerance::default()
            },
            Tolerance {
                step: f32::INFINITY,
                ..Tolerance::default()
            },
            Tolerance {
                abs: -1.0,
                ..Tolerance::default()
            },
            Tolerance {
                rel: f32::NAN,
                ..Tolerance::default()
            },
        ] {
            let err = check_gradient(quadratic, quadratic_grad, &mlp(), bad).unwrap_err();
            assert!(
                matches!(err, GradCheckError::InvalidTolerance { .. }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_bare_tensor_is_a_parameter_tree_too() {
        // d/dx sum sin(x_i) = cos(x_i)
        let f = |x: &[f32; 3]| x.iter().map(|v| v.sin()).sum::<f32>();
        let g = |x: &[f32; 3], d: &mut [f32; 3]| {
            for i in 0..3 {
                d[i] += x[i].cos();
            }
            f(x)
        };
        let report = check_gradient(f, g, &[0.1, 1.2, -2.3], Tolerance::default()).unwrap();
        assert_eq!(report.worst.unwrap().name, "");
    }

    fn relu(z: f32) -> f32 {
        z.max(0.0)
    }

    /// `relu(w0 + w1) + w2^2 / 2` at a point where `w0 + w1 = 1e-3`: moving `w0` or `w1` by the
    /// default step (`5e-3`) crosses the kink.
    const NEAR_KINK: [f32; 3] = [0.4, -0.399, 0.7];

    fn near_kink(w: &[f32; 3]) -> f32 {
        relu(w[0] + w[1]) + w[2] * w[2] / 2.0
    }

    fn near_kink_grad(w: &[f32; 3], d: &mut [f32; 3], d_w0: f32) -> f32 {
        let active = if w[0] + w[1] > 0.0 { 1.0 } else { 0.0 };
        d[0] += d_w0 * active;
        d[1] += active;
        d[2] += w[2];
        near_kink(w)
    }

    #[test]
    fn a_relu_kink_within_the_step_is_reported_as_a_kink_not_a_failure() {
        let report = check_gradient(
            near_kink,
            |w, d| near_kink_grad(w, d, 1.0),
            &NEAR_KINK,
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.failures, report.kinks), (0, 2), "{report}");
        let indices: Vec<&[usize]> = report.kink_entries.iter().map(|c| &c.index[..]).collect();
        assert_eq!(indices, [&[0][..], &[1][..]]);
        for c in &report.kink_entries {
            let Status::Kink { left, right } = c.status else {
                panic!("{c}")
            };
            // The right side is smooth (active) and gives the gradient; the left one crosses.
            assert!((right - 1.0).abs() < 1e-3, "{c}");
            assert!((left - 1.0).abs() > 0.1, "{c}");
            assert_eq!(c.analytic, 1.0);
        }
        assert!(report.to_string().contains("2 at a kink"), "{report}");
        // The entry away from the kink passes outright.
        assert_eq!(report.worst.unwrap().index, [2]);
    }

    #[test]
    fn a_wrong_gradient_at_a_kink_matches_neither_side_and_fails() {
        let err = check_gradient(
            near_kink,
            |w, d| near_kink_grad(w, d, 0.5),
            &NEAR_KINK,
            Tolerance::default(),
        )
        .unwrap_err();
        let report = out_of_tolerance(err);
        assert_eq!((report.failures, report.kinks), (1, 1), "{report}");
        let worst = report.worst.clone().unwrap();
        assert_eq!(worst.index, [0]);
        assert!(
            matches!(
                worst.status,
                Status::Failed(Reason::DiffersFromBothSides { .. })
            ),
            "{worst}"
        );
        assert!(
            report.to_string().contains("differs from both one-sided"),
            "{report}"
        );
    }

    /// `0.6 + 1e-3 * sum tanh(c_i w_i)`: a loss of order one whose gradient is of order `1e-3`,
    /// like a recurrent network's weights.
    fn small(w: &[f32; 6]) -> f32 {
        0.6 + 1e-3
            * (0..6)
                .map(|i| (w[i] * (i as f32 - 2.5)).tanh())
                .sum::<f32>()
    }

    fn small_grad(w: &[f32; 6], d: &mut [f32; 6], error: f32) -> f32 {
        for i in 0..6 {
            let c = i as f32 - 2.5;
            let t = (w[i] * c).tanh();
            d[i] += 1e-3 * c * (1.0 - t * t);
        }
        d[4] += error;
        small(w)
    }

    #[test]
    fn an_error_of_1e_4_on_a_gradient_of_1e_3_is_caught() {
        let w = [0.3, -0.2, 0.5, 0.1, -0.4, 0.25];
        let report = check_gradient(
            small,
            |w, d| small_grad(w, d, 0.0),
            &w,
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("the correct gradient: {e}"));
        assert_eq!(report.failures, 0);
        let err = check_gradient(
            small,
            |w, d| small_grad(w, d, 1e-4),
            &w,
            Tolerance::default(),
        )
        .unwrap_err();
        let report = out_of_tolerance(err);
        assert_eq!(report.failures, 1, "{report}");
        let worst = report.worst.unwrap();
        assert_eq!(worst.index, [4]);
        assert!(
            matches!(
                worst.status,
                Status::Failed(Reason::DiffersFromDerivative { .. })
            ),
            "{worst}"
        );
        // The allowance scales with the gradient: well below the error, not a fixed 1e-3.
        assert!(worst.allowed < 1e-4, "{worst}");
    }

    #[test]
    fn a_large_step_truncation_error_is_extrapolated_away() {
        // d/dx exp(3x) at x = 1 with a step of 0.05: the central difference is 0.4% high, more
        // than a 0.1% tolerance, its extrapolation to a zero step is not.
        let f = |x: &f32| (3.0 * x).exp();
        let g = |x: &f32, d: &mut f32| {
            *d += 3.0 * (3.0 * x).exp();
            f(x)
        };
        let tol = Tolerance {
            step: 0.05,
            rel: 1e-3,
            ..Tolerance::default()
        };
        let report = check_gradient(f, g, &1.0, tol).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((report.failures, report.kinks), (0, 0));
        let worst = report.worst.unwrap();
        assert!(worst.error < 1e-3 * worst.analytic, "{worst}");
    }
}
