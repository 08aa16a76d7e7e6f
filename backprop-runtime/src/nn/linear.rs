//! `Linear<IN, OUT>`: `y = W x + b`, PyTorch's `nn.Linear` (weight shape `[OUT, IN]`).

use super::Init;
use crate::{differentiable, Parameters};
use rand::Rng;

/// A fully connected layer, `y = weight · x + bias`; its tensors are named `weight` and `bias`
/// as in PyTorch's `state_dict`.
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Linear<const IN: usize, const OUT: usize> {
    /// `[OUT][IN]`, as PyTorch stores it.
    pub weight: [[f32; IN]; OUT],
    /// `[OUT]`.
    pub bias: [f32; OUT],
}

impl<const IN: usize, const OUT: usize> Linear<IN, OUT> {
    /// PyTorch's default initialisation: weight and bias uniform in `±1/sqrt(IN)`
    /// (`kaiming_uniform_(a = sqrt(5))` works out to that bound).
    ///
    /// The layer is returned by value, through the stack: for a layer of megabytes use
    /// [`Init::new_boxed`] (the same values from the same generator, built on the heap).
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Linear {
            weight: [[0.0; IN]; OUT],
            bias: [0.0; OUT],
        };
        layer.init(rng);
        layer
    }

    /// A layer with the given parameters.
    pub const fn from_parts(weight: [[f32; IN]; OUT], bias: [f32; OUT]) -> Self {
        Linear { weight, bias }
    }

    /// `weight · x + bias` for one sample, on [`ops::linear`](crate::ops::linear).
    #[differentiable(jvp)]
    pub fn forward(&self, x: &[f32; IN]) -> [f32; OUT] {
        crate::ops::linear(x, &self.weight, &self.bias)
    }

    /// `x · weightᵀ + bias` for a batch of `B` samples, one per row: PyTorch's `nn.Linear` on
    /// a `[B, IN]` input, on the GEMM ([`ops::linear_batch`](crate::ops::linear_batch)). Its
    /// backward pass is two products when the input needs no gradient (a first layer), three
    /// otherwise.
    #[differentiable(jvp)]
    pub fn forward_batch<const B: usize>(&self, x: &[[f32; IN]; B]) -> [[f32; OUT]; B] {
        crate::ops::linear_batch(x, &self.weight, &self.bias)
    }
}

/// PyTorch's default initialisation, in place: the weight row by row, then the bias, each
/// uniform in `±1/sqrt(IN)`.
impl<const IN: usize, const OUT: usize> Init for Linear<IN, OUT> {
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let bound = 1.0 / crate::math::sqrt(IN as f32);
        for row in self.weight.iter_mut() {
            for w in row.iter_mut() {
                *w = rng.random_range(-bound..=bound);
            }
        }
        for b in self.bias.iter_mut() {
            *b = rng.random_range(-bound..=bound);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn initialisation_is_bounded_by_one_over_sqrt_fan_in() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let l = Linear::<16, 8>::new(&mut rng);
        let all = l.weight.iter().flatten().chain(l.bias.iter());
        assert!(all.clone().all(|w| w.abs() <= 0.25));
        // Not degenerate: the values spread over the interval.
        let max = all.fold(0.0f32, |m, w| m.max(w.abs()));
        assert!(max > 0.2, "{max}");
    }

    #[cfg(feature = "std")]
    #[test]
    fn new_boxed_draws_what_new_draws() {
        let mut a = rand::rngs::StdRng::seed_from_u64(7);
        let mut b = rand::rngs::StdRng::seed_from_u64(7);
        let on_stack = Linear::<5, 3>::new(&mut a);
        let boxed = Linear::<5, 3>::new_boxed(&mut b);
        assert_eq!(*boxed, on_stack);
        assert_ne!(on_stack.bias, [0.0; 3]);
        // Both generators are left in one state: the next draws agree too.
        assert_eq!(Linear::<2, 2>::new(&mut a), Linear::<2, 2>::new(&mut b));
    }

    #[test]
    fn a_batch_is_its_samples() {
        let l = Linear::from_parts([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]], [0.1, 0.2, 0.3]);
        let x = [[2.0, -1.0], [0.5, 4.0]];
        let d_out = [[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]];
        let mut d_batch = <Linear<2, 3> as crate::Zero>::zero();
        let mut d_x = [[0.0; 2]; 2];
        let y = l.forward_batch_vjp(&mut d_batch, &x, &mut d_x, &d_out);
        // The GEMM sums in another order than the per-sample dot products: equal to rounding.
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-6);
        let mut d_samples = <Linear<2, 3> as crate::Zero>::zero();
        for b in 0..2 {
            let mut d_row = [0.0; 2];
            let row = l.forward_vjp(&mut d_samples, &x[b], &mut d_row, &d_out[b]);
            assert!(close(&row, &y[b]), "{row:?} {:?}", y[b]);
            assert!(close(&d_row, &d_x[b]), "{d_row:?} {:?}", d_x[b]);
        }
        assert!(close(
            d_batch.weight.as_flattened(),
            d_samples.weight.as_flattened()
        ));
        assert!(close(&d_batch.bias, &d_samples.bias));
    }

    #[test]
    fn forward_and_its_vjp() {
        let l = Linear::from_parts([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]], [0.1, 0.2, 0.3]);
        let x = [2.0, -1.0];
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-6);
        assert!(
            close(&l.forward(&x), &[0.1, 7.2, 1.3]),
            "{:?}",
            l.forward(&x)
        );
        let mut dl = <Linear<2, 3> as crate::Zero>::zero();
        let mut dx = [0.0; 2];
        let d_out = [1.0, -2.0, 0.5];
        let y = l.forward_vjp(&mut dl, &x, &mut dx, &d_out);
        assert_eq!(y, l.forward(&x));
        // dW = d_out x^T, db = d_out, dx = W^T d_out.
        assert_eq!(dl.weight, [[2.0, -1.0], [-4.0, 2.0], [1.0, -0.5]]);
        assert_eq!(dl.bias, d_out);
        assert_eq!(dx, [1.0 - 6.0 + 0.25, 2.0 + 2.0]);
    }
}
