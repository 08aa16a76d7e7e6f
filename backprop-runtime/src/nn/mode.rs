//! Training and evaluation mode, PyTorch's `module.training`, set on a whole model at once with
//! [`Parameters::train`](crate::Parameters::train) and [`Parameters::eval`](crate::Parameters::eval).

/// Whether a model trains or is evaluated: what [`Dropout`](super::Dropout) and the batch norms
/// ([`BatchNorm1d`](super::BatchNorm1d), [`BatchNorm2d`](super::BatchNorm2d)) do in their
/// forward pass.
///
/// Every layer starts in [`Mode::Eval`] (a new, zeroed or loaded model included), so nothing
/// random happens until training is asked for: a model loaded for inference never drops out.
/// The mode applies to the plain forward pass and to the gradient alike, so a function and its
/// `_grad` compute the same thing.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::{Dropout, Linear, Mode};
/// use backprop::Parameters;
/// use rand::SeedableRng;
///
/// #[derive(Parameters)]
/// struct Net {
///     layer: Linear<4, 4>,
///     drop: Dropout,
/// }
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let mut net = Net { layer: Linear::new(&mut rng), drop: Dropout::new(0.5)? };
/// assert_eq!(net.drop.mode(), Mode::Eval);
/// net.train(); // every layer of the tree
/// assert_eq!(net.drop.mode(), Mode::Train);
/// net.eval();
/// assert_eq!(net.drop.forward(&[1.0; 4]), [1.0; 4]); // the identity in evaluation
/// # Ok::<(), backprop::nn::HyperparameterError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Mode {
    /// Inference: dropout is the identity, batch norms use their running statistics.
    #[default]
    Eval = 0,
    /// Training: dropout draws a mask per call, batch norms normalise by the batch's
    /// statistics and update their running ones.
    Train = 1,
}

/// A field holding the mode of its layer: `set_mode` stores it (a layer that derives
/// `Parameters` gets [`train`](crate::Parameters::train) and [`eval`](crate::Parameters::eval)
/// from it), and it holds no tensor.
impl crate::Zero for Mode {
    fn zero() -> Self {
        Mode::Eval
    }
    /// A mode is no gradient: clearing a gradient leaves it.
    fn set_zero(&mut self) {}
}

// SAFETY: `repr(u8)` with `Eval = 0`: the zero byte is `Mode::Eval`, the zero.
unsafe impl crate::Zeroable for Mode {}

no_tensors!(Mode {
    fn set_mode(&mut self, mode: Mode) {
        *self = mode;
    }
});
