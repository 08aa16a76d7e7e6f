//! Layers: `torch.nn` building blocks whose forward passes are `#[differentiable]`.

/// `impl Parameters` for a layer without tensors (activations, dropout), so a model may hold it
/// as a field and still derive `Parameters`; extra items (`set_mode`) go in the braces.
macro_rules! no_tensors {
    ($name:ty $([$($generics:tt)*])? $({ $($items:item)* })?) => {
        impl $(<$($generics)*>)? crate::Parameters for $name {
            const TENSORS: usize = 0;
            fn tensor(&self, k: usize) -> &[f32] {
                panic!("{} has no tensor {k}", stringify!($name))
            }
            fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
                panic!("{} has no tensor {k}", stringify!($name))
            }
            fn shape(k: usize) -> crate::Shape {
                panic!("{} has no tensor {k}", stringify!($name))
            }
            fn write_name(k: usize, _: &mut dyn core::fmt::Write) -> core::fmt::Result {
                panic!("{} has no tensor {k}", stringify!($name))
            }
            $($($items)*)?
        }
    };
}

/// `Zero`, `Zeroable`, `Init` and `Parameters` for a unit-struct layer (const generics
/// allowed: `stateless!(MaxPool2d<const K: usize, ...>)`): no tensors, no state.
macro_rules! stateless {
    ($name:ident) => {
        stateless!($name<>);
    };
    ($name:ident < $(const $p:ident: usize),* >) => {
        impl<$(const $p: usize),*> crate::Zero for $name<$($p),*> {
            fn zero() -> Self {
                $name
            }
            fn set_zero(&mut self) {}
        }

        // SAFETY: a unit struct has no bytes.
        unsafe impl<$(const $p: usize),*> crate::Zeroable for $name<$($p),*> {}

        /// Nothing to initialise.
        impl<$(const $p: usize),*> crate::nn::Init for $name<$($p),*> {
            #[inline]
            fn init<R: rand::Rng + ?Sized>(&mut self, _rng: &mut R) {}
        }

        no_tensors!($name<$($p),*> [$(const $p: usize),*]);
    };
}

mod activation;
mod batch_norm;
mod buffer;
mod conv;
mod dropout;
mod embedding;
mod flatten;
mod hyper;
mod layer_norm;
mod linear;
mod mode;
mod pool;
mod softmax;

pub use activation::{LeakyReLU, ReLU, SiLU, Sigmoid, Tanh, GELU};
pub use batch_norm::{BatchNorm, BatchNorm1d, BatchNorm2d};
pub use buffer::{Buffer, Count};
pub use conv::{Conv1d, Conv2d};
pub use dropout::Dropout;
pub use embedding::{Embedding, EmbeddingError};
pub use flatten::Flatten;
pub use hyper::{Hyper, HyperparameterError};
pub use layer_norm::LayerNorm;
pub use linear::Linear;
pub use mode::Mode;
pub use pool::{AdaptiveAvgPool2d, AvgPool2d, MaxPool2d};
pub use softmax::{LogSoftmax, Softmax};

// Recurrent cells and attention (issue 15, `seq`).
mod gru;
mod lstm;
mod recurrent;
mod rnn;
pub use gru::GRUCell;
pub use lstm::LSTMCell;
pub use rnn::RNNCell;

// Attention (issue 15, `attn`); where large pullbacks keep their residuals.
mod attention;
mod residuals;
pub use attention::MultiheadAttention;

use rand::Rng;

/// A layer or model that initialises its parameters in place from a random number generator
/// (PyTorch's `reset_parameters`).
///
/// [`init`](Init::init) overwrites every parameter where it is, so a model of megabytes is
/// initialised on the heap: [`new_boxed`](Init::new_boxed) allocates it zeroed and fills it,
/// and nothing of its size passes through the stack. [`Linear`] and the activations implement
/// it; `#[derive(Parameters)]` with `#[parameters(init)]` on the struct implements it by
/// initialising each field in declaration order, so the values are those of building each
/// field with its own constructor in that order from the same generator.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::{Init, Linear, ReLU};
/// use backprop::Parameters;
/// use rand::SeedableRng;
///
/// #[derive(Parameters)]
/// #[parameters(init)]
/// struct Mlp {
///     layer1: Linear<784, 1024>,
///     relu: ReLU,
///     layer2: Linear<1024, 10>,
/// }
///
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let model = Mlp::new_boxed(&mut rng); // 3.2 MB, initialised on the heap
/// assert!(model.layer2.bias.iter().all(|b| b.abs() <= 1.0 / 32.0));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no random initialisation (`Init`)",
    label = "not `Init`",
    note = "`#[parameters(init)]` initialises each field with its own `Init`: layers have one, \
            and so has a struct with `#[parameters(init)]`; a bare tensor has none (drop \
            `init` and fill it yourself, or implement `Init` for the struct by hand)"
)]
pub trait Init {
    /// Overwrites every parameter with a fresh random initialisation.
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R);

    /// A new value on the heap, allocated zeroed and then initialised in place.
    #[cfg(feature = "std")]
    fn new_boxed<R: Rng + ?Sized>(rng: &mut R) -> Box<Self>
    where
        Self: crate::Zeroable + Sized,
    {
        let mut value = Self::boxed_zero();
        value.init(rng);
        value
    }
}
