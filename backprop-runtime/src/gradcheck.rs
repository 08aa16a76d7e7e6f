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

use crate::params::Parameters;
use std::fmt;

/// How close an analytic gradient must be to its central-difference estimate.
///
/// A component passes when `|analytic - numeric| <= abs + rel * |numeric|` (NumPy's and
/// PyTorch's `allclose`). The defaults suit `f32` functions whose values are of order one: the
/// estimate's rounding error is about `|f| * 1e-7 / step` and its truncation error about
/// `step^2 * |f'''| / 6`, both near `1e-5` at the default step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// The finite-difference step, relative to `max(1, |x|)`: `x` is moved to `x ± step *
    /// max(1, |x|)`. Default `5e-3` (about the cube root of `f32::EPSILON`, which balances
    /// rounding and truncation error).
    pub step: f32,
    /// Absolute tolerance. Default `1e-3`.
    pub abs: f32,
    /// Relative tolerance, a fraction of `|numeric|`. Default `1e-2`.
    pub rel: f32,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance {
            step: 5e-3,
            abs: 1e-3,
            rel: 1e-2,
        }
    }
}

impl Tolerance {
    fn allowed(&self, reference: f32) -> f32 {
        self.abs + self.rel * reference.abs()
    }

    fn validate(&self) -> Result<(), GradCheckError> {
        let reason = if !(self.step.is_finite() && self.step > 0.0) {
            "the step must be finite and positive"
        } else if !(self.abs.is_finite() && self.abs >= 0.0) {
            "the absolute tolerance must be finite and not negative"
        } else if !(self.rel.is_finite() && self.rel >= 0.0) {
            "the relative tolerance must be finite and not negative"
        } else {
            return Ok(());
        };
        Err(GradCheckError::InvalidTolerance {
            tolerance: *self,
            reason,
        })
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
    /// The central-difference estimate (or, in [`GradCheckError::NotAccumulated`], what the
    /// gradient should have added up to).
    pub numeric: f32,
    /// `|analytic - numeric|` (NaN if either is).
    pub error: f32,
    /// What the tolerance allows for this component.
    pub allowed: f32,
}

impl Component {
    fn passes(&self) -> bool {
        self.error <= self.allowed
    }

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
        )
    }
}

/// What a gradient check measured.
#[derive(Clone, Debug, PartialEq)]
pub struct GradCheckReport {
    /// The function's value at the parameters.
    pub value: f32,
    /// How many scalars were compared (`P::numel()`).
    pub checked: usize,
    /// How many of them are out of tolerance.
    pub failures: usize,
    /// The component furthest past its tolerance (or, when all pass, closest to it); `None`
    /// when the parameters hold no scalar.
    pub worst: Option<Component>,
    /// The tolerance used.
    pub tolerance: Tolerance,
}

impl fmt::Display for GradCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} gradient components out of tolerance",
            self.failures, self.checked
        )?;
        match &self.worst {
            Some(worst) => write!(f, "; worst {worst}"),
            None => Ok(()),
        }
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
    /// Some components differ from their central differences; the report has the worst.
    OutOfTolerance(GradCheckReport),
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
/// Costs `2 * P::numel() + 1` evaluations of `f` and two of `grad`. Returns the report when every
/// component is within `tol`, else the reason; nothing panics on a bad gradient or tolerance.
pub fn check_gradient<P: Parameters>(
    f: impl Fn(&P) -> f32,
    grad: impl Fn(&P, &mut P) -> f32,
    params: &P,
    tol: Tolerance,
) -> Result<GradCheckReport, GradCheckError> {
    tol.validate()?;
    // A copy made through the trait, so `P` need not be `Clone`.
    let mut x = P::zero();
    for k in 0..P::TENSORS {
        x.tensor_mut(k).copy_from_slice(params.tensor(k));
    }

    let value = f(&x);
    let mut analytic = P::zero();
    let from_gradient = grad(&x, &mut analytic);
    let value_error = (from_gradient - value).abs();
    if !(value_error <= tol.allowed(value) || value.to_bits() == from_gradient.to_bits()) {
        return Err(GradCheckError::ValueMismatch {
            value,
            from_gradient,
        });
    }

    let mut failures = 0;
    let mut checked = 0;
    let mut worst: Option<Component> = None;
    for k in 0..P::TENSORS {
        for i in 0..x.tensor(k).len() {
            let numeric = central_difference(&f, &mut x, k, i, tol.step);
            let component = component::<P>(k, i, analytic.tensor(k)[i], numeric, &tol);
            checked += 1;
            if !component.passes() {
                failures += 1;
            }
            if worst
                .as_ref()
                .is_none_or(|w| component.excess() > w.excess())
            {
                worst = Some(component);
            }
        }
    }
    let report = GradCheckReport {
        value,
        checked,
        failures,
        worst,
        tolerance: tol,
    };
    if failures > 0 {
        return Err(GradCheckError::OutOfTolerance(report));
    }

    // Start from a known non-zero gradient: a function that adds ends at `start + analytic`.
    const START: f32 = 1.0;
    let mut accumulated = P::zero();
    for k in 0..P::TENSORS {
        accumulated.tensor_mut(k).fill(START);
    }
    grad(&x, &mut accumulated);
    for k in 0..P::TENSORS {
        for (i, (&sum, &g)) in accumulated
            .tensor(k)
            .iter()
            .zip(analytic.tensor(k))
            .enumerate()
        {
            let component = component::<P>(k, i, sum, START + g, &tol);
            if !component.passes() {
                return Err(GradCheckError::NotAccumulated { component });
            }
        }
    }
    Ok(report)
}

/// `(f(x + h) - f(x - h)) / (x+h - (x-h))` for scalar `i` of tensor `k`, with the difference of
/// the rounded points in the denominator, computed in `f64`; leaves `x` as it was.
fn central_difference<P: Parameters>(
    f: &impl Fn(&P) -> f32,
    x: &mut P,
    k: usize,
    i: usize,
    step: f32,
) -> f32 {
    let x0 = x.tensor(k)[i];
    let h = step * x0.abs().max(1.0);
    let (up, down) = (x0 + h, x0 - h);
    x.tensor_mut(k)[i] = up;
    let f_up = f(x);
    x.tensor_mut(k)[i] = down;
    let f_down = f(x);
    x.tensor_mut(k)[i] = x0;
    ((f64::from(f_up) - f64::from(f_down)) / (f64::from(up) - f64::from(down))) as f32
}

fn component<P: Parameters>(
    k: usize,
    flat: usize,
    analytic: f32,
    numeric: f32,
    tol: &Tolerance,
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
        analytic,
        numeric,
        error: (analytic - numeric).abs(),
        allowed: tol.allowed(numeric),
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
        let GradCheckError::OutOfTolerance(report) = err else {
            panic!("expected out of tolerance, got {err:?}")
        };
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
        let GradCheckError::OutOfTolerance(report) = err else {
            panic!("{err:?}")
        };
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
        assert!(
            matches!(err, GradCheckError::NotAccumulated { .. }),
            "{err:?}"
        );
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
        let GradCheckError::OutOfTolerance(report) = err else {
            panic!("{err:?}")
        };
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
}
