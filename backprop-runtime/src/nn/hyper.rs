//! Layer hyperparameters (`eps`, `momentum`, dropout's `p`, a leaky slope): stored so that the
//! all-zero value of a layer has PyTorch's defaults, and checked when a layer is built.

use core::fmt;

/// An `f32` hyperparameter (not trained, not saved) whose all-zero bytes mean its default,
/// `f32::from_bits(DEFAULT)`: the bits are kept XORed with the default's. A model made from
/// zeros ([`Zeroable`](crate::Zeroable), [`io::load`](crate::io::load)) then has PyTorch's
/// defaults, not `eps = 0` or `p = 0`: hyperparameters are in no `state_dict`, PyTorch's or
/// ours. As a field of a `#[derive(Parameters)]` struct it holds no tensor.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Hyper;
/// use backprop::Zero;
///
/// type Eps = Hyper<{ 1e-5f32.to_bits() }>;
/// assert_eq!(Eps::zero().get(), 1e-5);
/// assert_eq!(Eps::new(1e-3).get(), 1e-3);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hyper<const DEFAULT: u32>(u32);

impl<const DEFAULT: u32> Hyper<DEFAULT> {
    /// The hyperparameter set to `value`.
    pub const fn new(value: f32) -> Self {
        Hyper(value.to_bits() ^ DEFAULT)
    }

    /// Its value.
    #[inline]
    pub const fn get(self) -> f32 {
        f32::from_bits(self.0 ^ DEFAULT)
    }
}

/// The default: a hyperparameter is no gradient, and clearing a gradient leaves it.
impl<const DEFAULT: u32> crate::Zero for Hyper<DEFAULT> {
    fn zero() -> Self {
        Hyper(0)
    }
    fn set_zero(&mut self) {}
}

// SAFETY: one `u32`; zero bits are `Hyper(0)`, the zero (the default value).
unsafe impl<const DEFAULT: u32> crate::Zeroable for Hyper<DEFAULT> {}

no_tensors!(Hyper<DEFAULT> [const DEFAULT: u32]);

/// The default value: all-zero bytes.
impl<const DEFAULT: u32> Default for Hyper<DEFAULT> {
    fn default() -> Self {
        Hyper(0)
    }
}

impl<const DEFAULT: u32> fmt::Debug for Hyper<DEFAULT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// A layer built with a hyperparameter outside its range (PyTorch raises `ValueError` for the
/// same values).
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Dropout;
///
/// let err = Dropout::new(1.5).unwrap_err();
/// assert_eq!((err.layer, err.name), ("Dropout", "p"));
/// assert_eq!(err.to_string(), "Dropout: p = 1.5 is outside [0, 1]");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HyperparameterError {
    /// The layer, as PyTorch names it.
    pub layer: &'static str,
    /// The hyperparameter, as PyTorch names it.
    pub name: &'static str,
    /// The value given.
    pub value: f32,
    /// The range it must lie in.
    pub allowed: &'static str,
}

impl fmt::Display for HyperparameterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let HyperparameterError {
            layer,
            name,
            value,
            allowed,
        } = self;
        write!(f, "{layer}: {name} = {value} is outside {allowed}")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for HyperparameterError {}

impl HyperparameterError {
    /// `Ok(value)` if `ok` holds for it, the error otherwise (NaN fails every range).
    pub(crate) fn check(
        layer: &'static str,
        name: &'static str,
        value: f32,
        allowed: &'static str,
        ok: bool,
    ) -> Result<f32, Self> {
        if ok {
            Ok(value)
        } else {
            Err(HyperparameterError {
                layer,
                name,
                value,
                allowed,
            })
        }
    }
}
