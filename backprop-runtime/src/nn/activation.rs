//! Activation layers: `nn.ReLU`, `nn.Sigmoid`, `nn.Tanh` as parameter-free structs, so that a
//! model reads like its PyTorch definition. Each forward is elementwise over any tensor: one
//! sample `[f32; N]` or a batch `[[f32; N]; B]`.

use crate::{differentiable, Tensor};

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, $op:ident, $op_fwd:ident, $op_jvp:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct $name;

        impl $name {
            /// Applies the activation to every element of a tensor: one sample `[f32; N]` or a
            /// batch `[[f32; N]; B]` (on the primitive with a hand-written derivative).
            #[differentiable(custom_fwd)]
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

        impl crate::Zero for $name {
            fn zero() -> Self {
                $name
            }
            fn set_zero(&mut self) {}
        }

        // SAFETY: a unit struct has no bytes.
        unsafe impl crate::Zeroable for $name {}

        /// Nothing to initialise.
        impl crate::nn::Init for $name {
            #[inline]
            fn init<R: rand::Rng + ?Sized>(&mut self, _rng: &mut R) {}
        }

        /// No parameters: a model may hold the layer as a field and still derive `Parameters`.
        impl crate::Parameters for $name {
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
        }
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
