//! Activation layers: `nn.ReLU`, `nn.Sigmoid`, `nn.Tanh`, `nn.GELU`, `nn.SiLU` and
//! `nn.LeakyReLU` as parameter-free structs, so that a model reads like its PyTorch definition.
//! Each forward is elementwise over any tensor: one sample `[f32; N]` or a batch
//! `[[f32; N]; B]`. (The softmax family works along rows: `softmax.rs`.)

use super::hyper::{Hyper, HyperparameterError};
use crate::{differentiable, Tensor};

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, $op:ident, $op_fwd:ident, $op_jvp:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            /// Applies the activation to every element of a tensor: one sample `[f32; N]` or a
            /// batch `[[f32; N]; B]` (on the primitive with a hand-written derivative).
            #[differentiable(custom_fwd, jvp)]
            pub fn forward<T: Tensor>(&self, x: &T) -> T {
                crate::ops::$op(x)
            }

            /// [`Self::forward`] and its pullback (the primitive's; the layer has no
            /// parameters).
            #[allow(clippy::type_complexity)]
            pub fn forward_fwd<T: Tensor>(
                &self,
                x: &T,
            ) -> (T, impl FnOnce(&Self, Option<&mut Self>, &T, Option<&mut T>, &T)) {
                let (y, pullback) = crate::ops::$op_fwd(x);
                (y, move |_: &Self, _: Option<&mut Self>, x: &T, d_x: Option<&mut T>, d_out: &T| {
                    pullback(x, d_x, d_out)
                })
            }

            /// [`Self::forward`] and its tangent (forward mode; the layer has no parameters,
            /// so `self_dot` is unused).
            pub fn forward_jvp<T: Tensor>(&self, _self_dot: &Self, x: &T, x_dot: &T) -> (T, T) {
                crate::ops::$op_jvp(x, x_dot)
            }
        }

        stateless!($name);
    };
}

activation!(
    /// `max(x, 0)`, with gradient 0 at 0 (PyTorch's convention).
    ReLU,
    relu,
    relu_fwd,
    relu_jvp
);
activation!(
    /// `1 / (1 + e^-x)`, computed without overflow for large `|x|`.
    Sigmoid,
    sigmoid,
    sigmoid_fwd,
    sigmoid_jvp
);
activation!(
    /// `tanh(x)`.
    Tanh,
    tanh,
    tanh_fwd,
    tanh_jvp
);
activation!(
    /// GELU in PyTorch's default (exact, erf) form, `x Phi(x)` with `Phi` the standard normal
    /// CDF: `nn.GELU()`.
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::GELU;
    ///
    /// let y = GELU.forward(&[[0.0, 1.0], [-1.0, 3.0]]); // a batch of two
    /// assert!((y[0][1] - 0.841_344_7).abs() < 1e-6);
    /// ```
    GELU,
    gelu,
    gelu_fwd,
    gelu_jvp
);
activation!(
    /// SiLU (swish), `x sigmoid(x)`: `nn.SiLU()`.
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::SiLU;
    ///
    /// let mut d_x = [0.0; 2];
    /// let y = SiLU.forward_vjp(&mut SiLU, &[0.0, 2.0], &mut d_x, &[1.0, 1.0]);
    /// assert_eq!((y[0], d_x[0]), (0.0, 0.5)); // silu'(0) = 1/2
    /// ```
    SiLU,
    silu,
    silu_fwd,
    silu_jvp
);

/// The bits of PyTorch's default `negative_slope`, `0.01`.
const DEFAULT_SLOPE: u32 = 0.01f32.to_bits();

/// `x` where `x > 0`, else `negative_slope * x`: `nn.LeakyReLU(negative_slope)`, whose
/// default slope is `0.01` (also that of [`Zero::zero`](crate::Zero::zero) and of a loaded
/// model). The slope is a fixed hyperparameter, not trained.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::LeakyReLU;
///
/// let leaky = LeakyReLU::new(0.2)?;
/// assert_eq!(leaky.forward(&[-1.0, 2.0]), [-0.2, 2.0]);
/// assert_eq!(LeakyReLU::default().negative_slope(), 0.01);
/// assert!(LeakyReLU::new(f32::NAN).is_err());
/// # Ok::<(), backprop::nn::HyperparameterError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LeakyReLU {
    negative_slope: Hyper<DEFAULT_SLOPE>,
}

impl LeakyReLU {
    /// A leaky ReLU with the given slope for negative inputs; any finite slope (PyTorch takes
    /// any), a NaN or infinite one is an error.
    pub fn new(negative_slope: f32) -> Result<Self, HyperparameterError> {
        let slope = HyperparameterError::check(
            "LeakyReLU",
            "negative_slope",
            negative_slope,
            "the finite numbers",
            negative_slope.is_finite(),
        )?;
        Ok(LeakyReLU {
            negative_slope: Hyper::new(slope),
        })
    }

    /// The slope for negative inputs.
    pub fn negative_slope(&self) -> f32 {
        self.negative_slope.get()
    }

    /// Applies the activation to every element of a tensor (one sample or a batch).
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<T: Tensor>(&self, x: &T) -> T {
        crate::ops::leaky_relu(x, self.negative_slope())
    }

    /// [`Self::forward`] and its pullback (the primitive's; the slope gets no gradient).
    #[allow(clippy::type_complexity)]
    pub fn forward_fwd<T: Tensor>(
        &self,
        x: &T,
    ) -> (
        T,
        impl FnOnce(&Self, Option<&mut Self>, &T, Option<&mut T>, &T),
    ) {
        let slope = self.negative_slope();
        let (y, pullback) = crate::ops::leaky_relu_fwd(x, slope);
        (
            y,
            move |_: &Self, _: Option<&mut Self>, x: &T, d_x: Option<&mut T>, d_out: &T| {
                pullback(x, d_x, slope, d_out);
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode; the slope is a constant).
    pub fn forward_jvp<T: Tensor>(&self, _self_dot: &Self, x: &T, x_dot: &T) -> (T, T) {
        crate::ops::leaky_relu_jvp(x, x_dot, self.negative_slope(), 0.0)
    }
}

impl crate::Zero for LeakyReLU {
    fn zero() -> Self {
        LeakyReLU::default()
    }
    fn set_zero(&mut self) {}
}

// SAFETY: one `u32` (the slope's bits XOR the default's); zero bytes are `default()`, the zero.
unsafe impl crate::Zeroable for LeakyReLU {}

/// Nothing to initialise.
impl crate::nn::Init for LeakyReLU {
    #[inline]
    fn init<R: rand::Rng + ?Sized>(&mut self, _rng: &mut R) {}
}

no_tensors!(LeakyReLU);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activations_take_batches() {
        let x = [[-1.0, 0.5], [2.0, -0.25]];
        let mut dx = [[0.0; 2]; 2];
        let y = Tanh.forward_vjp(&mut Tanh, &x, &mut dx, &[[1.0; 2]; 2]);
        for b in 0..2 {
            let mut d_row = [0.0; 2];
            assert_eq!(
                Tanh.forward_vjp(&mut Tanh, &x[b], &mut d_row, &[1.0; 2]),
                y[b]
            );
            assert_eq!(d_row, dx[b]);
        }
    }

    #[test]
    fn relu_gradient_is_zero_at_zero() {
        let mut dx = [0.0; 3];
        let y = ReLU.forward_vjp(&mut ReLU, &[-1.0, 0.0, 2.0], &mut dx, &[1.0, 1.0, 1.0]);
        assert_eq!(y, [0.0, 0.0, 2.0]);
        assert_eq!(dx, [0.0, 0.0, 1.0]);
    }

    #[test]
    fn sigmoid_is_stable_and_has_the_textbook_gradient() {
        let x = [-100.0, -1.0, 0.0, 3.0, 100.0];
        let mut dx = [0.0; 5];
        let y = Sigmoid.forward_vjp(&mut Sigmoid, &x, &mut dx, &[1.0; 5]);
        for i in 0..5 {
            let s = 1.0 / (1.0 + (-x[i] as f64).exp());
            assert!((y[i] as f64 - s).abs() < 1e-7, "{i}");
            assert!(
                (dx[i] as f64 - s * (1.0 - s)).abs() < 1e-7,
                "{i}: {}",
                dx[i]
            );
        }
    }
}
