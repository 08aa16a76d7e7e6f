//! `Dropout`: PyTorch's `nn.Dropout(p)`, seedable, in training mode only.

use super::buffer::Count;
use super::hyper::{Hyper, HyperparameterError};
use super::{Init, Mode};
use crate::{differentiable, Tensor};
use rand::Rng;

/// The bits of PyTorch's default `p`, `0.5`.
const DEFAULT_P: u32 = 0.5f32.to_bits();

/// Zeroes each element with probability `p` and scales the others by `1 / (1 - p)`, in
/// [`Mode::Train`]; the identity in [`Mode::Eval`], which it starts in (see [`Mode`]).
///
/// Masks are drawn from a counter-based generator: call `c` of a layer with seed `s` drops
/// element `i` by a hash of `(s, c, i)`, so a run is reproducible from its seeds and the layer
/// needs no `&mut self`. [`Init::init`] draws the seed from the model's generator, so the
/// dropout layers of a `#[parameters(init)]` model get distinct streams from one seed; or set
/// it with [`with_seed`](Self::with_seed). The gradient multiplies by the mask that the forward
/// pass drew: the pullback keeps it (the same size as the input, on the stack). In forward
/// mode ([`forward_jvp`](Self::forward_jvp)) one call draws one mask, which the value and the
/// tangent share.
///
/// Every forward call in training draws a new mask, the plain one and the `_fwd` one alike. A
/// differentiable function that runs a call twice (a loop with a run-time bound calls it once
/// for the value and once for the gradient) would see two masks: keep dropout out of such loops.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::{Dropout, Mode};
/// use backprop::Parameters;
///
/// let mut drop = Dropout::new(0.25)?.with_seed(7);
/// let x = [[1.0f32; 64]; 4];
/// assert_eq!(drop.forward(&x), x); // evaluation mode: the identity
///
/// drop.train();
/// let mut d_x = [[0.0; 64]; 4];
/// let y = drop.forward_vjp(&mut Dropout::new(0.25)?, &x, &mut d_x, &[[1.0; 64]; 4]);
/// for (y, d) in y.iter().flatten().zip(d_x.iter().flatten()) {
///     assert!(*y == 0.0 || *y == 1.0 / 0.75);
///     assert_eq!(y, d); // the gradient went through the same mask
/// }
/// # Ok::<(), backprop::nn::HyperparameterError>(())
/// ```
#[derive(Debug)]
pub struct Dropout {
    p: Hyper<DEFAULT_P>,
    mode: Mode,
    seed: u64,
    /// Forward calls in training so far: the mask's stream position.
    calls: Count,
}

impl Dropout {
    /// Dropout with probability `p` in `[0, 1]` (PyTorch's range), seed 0, in evaluation mode.
    pub fn new(p: f32) -> Result<Self, HyperparameterError> {
        let p = HyperparameterError::check("Dropout", "p", p, "[0, 1]", (0.0..=1.0).contains(&p))?;
        Ok(Dropout {
            p: Hyper::new(p),
            mode: Mode::Eval,
            seed: 0,
            calls: Count::new(0),
        })
    }

    /// The same layer drawing its masks from `seed`, from its first call on.
    pub fn with_seed(self, seed: u64) -> Self {
        Dropout {
            seed,
            calls: Count::new(0),
            ..self
        }
    }

    /// The probability of zeroing an element.
    pub fn p(&self) -> f32 {
        self.p.get()
    }

    /// The layer's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The seed of its masks.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// `x` times the mask in training, `x` in evaluation.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<T: Tensor>(&self, x: &T) -> T {
        match self.mask::<T>() {
            Some(mask) => crate::ops::mul(x, &mask),
            None => *x,
        }
    }

    /// [`Self::forward`] and its pullback, which multiplies `d_out` by the same mask.
    #[allow(clippy::type_complexity)]
    pub fn forward_fwd<T: Tensor>(
        &self,
        x: &T,
    ) -> (
        T,
        impl FnOnce(&Self, Option<&mut Self>, &T, Option<&mut T>, &T),
    ) {
        let mask = self.mask::<T>();
        let y = match &mask {
            Some(mask) => crate::ops::mul(x, mask),
            None => *x,
        };
        (
            y,
            move |_: &Self, _: Option<&mut Self>, _: &T, d_x: Option<&mut T>, d_out: &T| {
                let Some(d_x) = d_x else { return };
                let d = d_x.flat_mut().iter_mut().zip(d_out.flat());
                match &mask {
                    Some(mask) => d.zip(mask.flat()).for_each(|((d, u), m)| *d += u * m),
                    None => d.for_each(|(d, u)| *d += u),
                }
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode): in training one mask is drawn, as by
    /// one forward call, and multiplies both the input and its tangent; in evaluation both
    /// pass unchanged. `self_dot` is unused (the layer has no parameters).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::Dropout;
    /// use backprop::Parameters;
    ///
    /// let mut drop = Dropout::new(0.5)?.with_seed(3);
    /// drop.train();
    /// let (y, y_dot) = drop.forward_jvp(&Dropout::default(), &[1.0f32; 16], &[2.0; 16]);
    /// for (y, t) in y.iter().zip(&y_dot) {
    ///     assert_eq!(2.0 * y, *t); // the same mask: 0 or 2 times the input, 0 or 4 the tangent
    /// }
    /// # Ok::<(), backprop::nn::HyperparameterError>(())
    /// ```
    pub fn forward_jvp<T: Tensor>(&self, _self_dot: &Self, x: &T, x_dot: &T) -> (T, T) {
        match self.mask::<T>() {
            Some(mask) => (crate::ops::mul(x, &mask), crate::ops::mul(x_dot, &mask)),
            None => (*x, *x_dot),
        }
    }

    /// The next mask (`0` or `1 / (1 - p)` per element) in training, `None` in evaluation.
    fn mask<T: Tensor>(&self) -> Option<T> {
        if self.mode == Mode::Eval {
            return None;
        }
        let p = self.p();
        let scale = if p < 1.0 { 1.0 / (1.0 - p) } else { 0.0 };
        let call = self.calls.bump();
        let key = splitmix(self.seed ^ splitmix(u64::from(call)));
        let mut mask = T::zero();
        for (i, m) in mask.flat_mut().iter_mut().enumerate() {
            // The top 24 bits: a uniform f32 in [0, 1), exactly.
            let u = (splitmix(key.wrapping_add(i as u64)) >> 40) as f32 / (1u32 << 24) as f32;
            *m = if u < p { 0.0 } else { scale };
        }
        Some(mask)
    }
}

/// SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective mix of 64 bits.
#[inline]
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `p = 0.5`, seed 0, evaluation mode: what a zeroed or loaded layer is.
impl Default for Dropout {
    fn default() -> Self {
        Dropout::new(0.5).expect("0.5 is a probability")
    }
}

/// A copy at the same stream position: it draws the masks the original would draw next.
impl Clone for Dropout {
    fn clone(&self) -> Self {
        Dropout {
            calls: self.calls.clone(),
            ..*self
        }
    }
}

/// The same `p`, mode, seed and stream position.
impl PartialEq for Dropout {
    fn eq(&self, other: &Self) -> bool {
        (self.p, self.mode, self.seed, self.calls.get())
            == (other.p, other.mode, other.seed, other.calls.get())
    }
}

impl crate::Zero for Dropout {
    fn zero() -> Self {
        Dropout::default()
    }
    /// No gradient to clear.
    fn set_zero(&mut self) {}
}

// SAFETY: a `u32` hyperparameter (zero bits: the default `p`), `Mode` (zero: `Eval`), a `u64`
// and an `AtomicU32`, all valid as zero bytes; that value is `Dropout::default()`, the zero.
unsafe impl crate::Zeroable for Dropout {}

/// Draws the seed, and starts the stream again; `p` and the mode stay.
impl Init for Dropout {
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        self.seed = rng.random();
        self.calls = Count::new(0);
    }
}

no_tensors!(Dropout {
    fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }
});
