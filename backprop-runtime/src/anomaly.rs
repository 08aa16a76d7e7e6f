//! Anomaly detection: `#[differentiable(check_finite)]` makes the generated functions return
//! `Err(NonFinite)` at the first adjoint that is NaN or infinite, named by the source variable
//! it belongs to (like PyTorch's `torch.autograd.set_detect_anomaly`).
//!
//! Where non-finite values come from (the derivative rules follow PyTorch):
//!
//! | operation | inputs | value | gradient |
//! |---|---|---|---|
//! | `x.ln()`, `x.log2()`, `x.log10()` | `x = 0` | `-inf` | `inf` |
//! | `x.ln()` | `x < 0` | NaN | finite, but the value is NaN |
//! | `x.sqrt()` | `x = 0` | `0` | `inf` (`1 / (2 sqrt x)`) |
//! | `x.sqrt()` | `x < 0` | NaN | NaN |
//! | `x.powf(y)` | `x < 0`, non-integer `y` | NaN | NaN |
//! | `x.powf(y)` | `x = 0`, `y < 1` | `0` or `inf` | `inf` for `x` |
//! | `x.powi(n)` | `x = 0`, `n < 0` | `inf` | `inf` |
//! | `a / b` | `b = 0` | `inf` or NaN | `inf` or NaN |
//! | `x.recip()` | `x = 0` | `inf` | `-inf` |
//! | `x.asin()`, `x.acos()` | `|x| >= 1` | NaN outside, finite at `±1` | `inf` at `±1` |
//! | `x.cbrt()` | `x = 0` | `0` | `inf` |
//! | `x.exp()`, `x.sinh()`, `x.cosh()` | `x > 88` | `inf` | `inf` |
//! | `x.hypot(y)` | `x = y = 0` | `0` | NaN (`0 / 0`) |

use core::fmt;

/// The first non-finite adjoint a checked gradient met.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NonFinite {
    /// The differentiated function.
    pub function: &'static str,
    /// The source variable (a `let` name, a parameter, or the expression) whose adjoint it is.
    pub variable: &'static str,
    /// The adjoint's value: NaN or ±infinity.
    pub value: f32,
}

impl fmt::Display for NonFinite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "non-finite gradient in `{}`: the derivative with respect to `{}` is {}",
            self.function, self.variable, self.value
        )
    }
}

#[cfg(feature = "std")]
impl std::error::Error for NonFinite {}
