//! `MultiheadAttention<E, HEADS>`: PyTorch's `nn.MultiheadAttention(E, HEADS,
//! batch_first=True)` as self-attention, with an optional causal mask.

use super::residuals::{f32_arrays, Residuals};
use super::{Init, Linear};
use crate::ops::gemm::{gemm, gemm_block, View};
use crate::ops::linalg::{linear_rows, linear_rows_backward, linear_rows_tangent};
use crate::{differentiable, math, Parameters, Shape, Tensor, Zero, Zeroable};
use rand::Rng;

/// Multi-head self-attention over a batch of sequences, PyTorch's
/// `nn.MultiheadAttention(E, HEADS, batch_first=True)` called as `mha(x, x, x)` (no dropout,
/// no key padding mask): the queries, keys and values of every position are one stacked
/// projection of `x`; each of the `HEADS` heads attends with its own `E / HEADS` columns of
/// them, `softmax(q kᵀ / sqrt(E / HEADS)) v`; the heads' outputs side by side go through
/// `out_proj`. With `causal`, position `t` attends to positions `0..=t` only (PyTorch's
/// `attn_mask=nn.Transformer.generate_square_subsequent_mask(T)`, `is_causal=True`).
///
/// Its tensors are named and shaped as in PyTorch's `state_dict`: `in_proj_weight` `[3*E, E]`
/// (the query, key and value projections stacked, held as a `[3][E][E]` array, the same
/// bytes), `in_proj_bias` `[3*E]`, `out_proj.weight` `[E, E]` and `out_proj.bias` `[E]`, so a
/// layer saved by PyTorch with `safetensors.torch.save_file` loads with [`io`](crate::io).
/// `HEADS` must divide `E`, checked at compile time.
///
/// [`forward`](Self::forward) takes `[B][T][E]` and gives `[B][T][E]`, with a hand-written
/// backward pass on the GEMM. Its pullback keeps the queries, keys and values, every head's
/// attention weights and the heads' outputs, `(4 E + HEADS T) B T` floats (at `B = 32,
/// T = 32, E = 64, HEADS = 4`: 1.6 MB), and the backward pass needs `4 E B T` more: with `std`
/// both on the heap, in buffers a per-thread pool hands out again (allocated on the first
/// step of a training loop only); without `std`, on the stack.
/// [`forward_jvp`](Self::forward_jvp) is its forward mode, in the same buffers.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::MultiheadAttention;
/// use backprop::{differentiable, Zero};
/// use rand::SeedableRng;
///
/// // A loss on the output of causal attention, batch of 2 sequences of 3 positions.
/// #[differentiable(wrt(attn))]
/// fn loss(attn: &MultiheadAttention<8, 2>, x: &[[[f32; 8]; 3]; 2]) -> f32 {
///     let y = attn.forward(x, true);
///     let mut s = 0.0;
///     for b in 0..2 {
///         for t in 0..3 {
///             s += y[b][t][0] * y[b][t][0];
///         }
///     }
///     s
/// }
///
/// let attn = MultiheadAttention::<8, 2>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = [[[0.5; 8], [-0.25; 8], [1.0; 8]]; 2];
/// let mut grad = MultiheadAttention::zero();
/// let value = loss_grad(&attn, &mut grad, &x);
/// assert!(value > 0.0);
/// assert!(grad.in_proj_weight.iter().flatten().flatten().any(|g| *g != 0.0));
///
/// // The first position attends to itself alone: its output is its own value, projected.
/// let y = attn.forward(&x, true);
/// let alone = attn.forward(&[[x[0][0]]], false);
/// assert!((y[0][0][0] - alone[0][0][0]).abs() < 1e-6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MultiheadAttention<const E: usize, const HEADS: usize> {
    /// The query, key and value projections, `[3*E, E]` in that order.
    pub in_proj_weight: [[[f32; E]; E]; 3],
    /// Their biases, `[3*E]`.
    pub in_proj_bias: [[f32; E]; 3],
    /// The projection of the heads' outputs: `out_proj.weight` `[E, E]`, `out_proj.bias`
    /// `[E]`.
    pub out_proj: Linear<E, E>,
}

/// What the forward pass keeps for the backward pass, for `B` sequences of `T` positions.
struct Saved<const B: usize, const T: usize, const E: usize, const HEADS: usize> {
    /// The queries, keys and values of every position, `[B][T][3][E]`.
    qkv: [[[[f32; E]; 3]; T]; B],
    /// Every head's attention weights, `[B][HEADS][T][T]`, a row per query.
    weights: [[[[f32; T]; T]; HEADS]; B],
    /// The heads' outputs side by side, `out_proj`'s input, `[B][T][E]`.
    heads: [[[f32; E]; T]; B],
}

/// The derivatives of the heads' outputs and of the queries, keys and values: the backward
/// pass's gradients, or the forward mode's tangents.
struct Derivatives<const B: usize, const T: usize, const E: usize> {
    heads: [[[f32; E]; T]; B],
    qkv: [[[[f32; E]; 3]; T]; B],
}

f32_arrays!(Saved<const B, const T, const E, const HEADS> { qkv, weights, heads });
f32_arrays!(Derivatives<const B, const T, const E> { heads, qkv });

impl<const E: usize, const HEADS: usize> MultiheadAttention<E, HEADS> {
    /// The width of one head, `E / HEADS`. With a `HEADS` that does not divide `E` it is a
    /// compile error (PyTorch's `embed_dim must be divisible by num_heads`), and so are
    /// [`new`](Self::new) and [`forward`](Self::forward), which use it:
    ///
    /// ```compile_fail
    /// # use backprop_runtime as backprop;
    /// use rand::SeedableRng;
    /// let rng = &mut rand::rngs::StdRng::seed_from_u64(0);
    /// let attn = backprop::nn::MultiheadAttention::<10, 4>::new(rng); // 4 does not divide 10
    /// ```
    pub const HEAD_DIM: usize = {
        assert!(
            HEADS > 0 && E.is_multiple_of(HEADS),
            "MultiheadAttention<E, HEADS>: HEADS must divide E"
        );
        E / HEADS
    };

    /// PyTorch's default initialisation: `in_proj_weight` Xavier-uniform (bound
    /// `sqrt(6 / (E + 3 E))`), `out_proj.weight` uniform in `±1/sqrt(E)`, both biases zero. The
    /// layer is returned through the stack; for a large one use
    /// [`Init::new_boxed`](crate::nn::Init::new_boxed).
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let _ = Self::HEAD_DIM; // the check that HEADS divides E
        let mut layer = Self::zero();
        layer.init(rng);
        layer
    }

    /// Self-attention over each of `B` sequences of `T` positions, `[B][T][E]` to `[B][T][E]`;
    /// `causal` masks every position's view of the positions after it.
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<const B: usize, const T: usize>(
        &self,
        x: &[[[f32; E]; T]; B],
        causal: bool,
    ) -> [[[f32; E]; T]; B] {
        self.forward_fwd(x, causal).0
    }

    /// [`Self::forward`] and its pullback, which keeps the queries, keys and values, the
    /// attention weights and the heads' outputs (see the type's documentation for their size).
    #[allow(clippy::type_complexity)]
    pub fn forward_fwd<const B: usize, const T: usize>(
        &self,
        x: &[[[f32; E]; T]; B],
        causal: bool,
    ) -> (
        [[[f32; E]; T]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[[f32; E]; T]; B],
            Option<&mut [[[f32; E]; T]; B]>,
            bool,
            &[[[f32; E]; T]; B],
        ),
    ) {
        // Every entry is written by `attend` before the pullback reads it.
        let mut saved = Residuals::<Saved<B, T, E, HEADS>>::take();
        let out = self.attend(x, causal, &mut saved);
        let d = Self::HEAD_DIM;
        let scale = 1.0 / math::sqrt(d as f32);
        let pullback = move |attn: &Self,
                             d_attn: Option<&mut Self>,
                             x: &[[[f32; E]; T]; B],
                             d_x: Option<&mut [[[f32; E]; T]; B]>,
                             _causal: bool,
                             d_out: &[[[f32; E]; T]; B]| {
            if d_attn.is_none() && d_x.is_none() {
                return;
            }
            let Saved {
                qkv,
                weights,
                heads,
            } = &*saved;
            let (d_in, d_out_proj) = match d_attn {
                Some(g) => (
                    Some((&mut g.in_proj_weight, &mut g.in_proj_bias)),
                    Some(&mut g.out_proj),
                ),
                None => (None, None),
            };
            let (d_out_w, d_out_b) = d_out_proj.map(|g| (&mut g.weight, &mut g.bias)).unzip();
            let mut adjoints = Residuals::<Derivatives<B, T, E>>::take();
            let Derivatives {
                heads: d_heads,
                qkv: d_qkv,
            } = &mut *adjoints;
            // Added into below; the gradients of q, k and v are overwritten, block by block.
            d_heads.set_zero();
            linear_rows_backward(
                heads.as_flattened(),
                Some(d_heads.as_flattened_mut()),
                &attn.out_proj.weight,
                d_out_w.map(|d| &mut d[..]),
                d_out_b.map(|d| &mut d[..]),
                d_out.as_flattened().as_flattened(),
            );
            for b in 0..B {
                let d_qkv = d_qkv[b].as_flattened_mut().as_flattened_mut();
                for h in 0..HEADS {
                    let [q, k, v] = qkv_views(&qkv[b], h, d);
                    let p = &weights[b][h];
                    let d_head = View::block(d_heads[b].as_flattened(), h * d, T, d, E);
                    // d_s holds the weights' gradient, then the scores'.
                    let mut d_s = [[0.0; T]; T];
                    gemm(d_head, v.t(), d_s.as_flattened_mut(), false);
                    softmax_rows_jacobian(p, &mut d_s, scale);
                    let d_s = View::of(&d_s);
                    let stride = 3 * E;
                    gemm_block(d_s, k, &mut d_qkv[h * d..], stride, false);
                    gemm_block(d_s.t(), q, &mut d_qkv[E + h * d..], stride, false);
                    gemm_block(
                        View::of(p).t(),
                        d_head,
                        &mut d_qkv[2 * E + h * d..],
                        stride,
                        false,
                    );
                }
            }
            let (d_in_w, d_in_b) = d_in.unzip();
            linear_rows_backward(
                x.as_flattened(),
                d_x.map(|d| d.as_flattened_mut()),
                attn.in_proj_weight.as_flattened(),
                d_in_w.map(|d| d.as_flattened_mut()),
                d_in_b.map(|d| d.as_flattened_mut()),
                d_qkv.as_flattened().as_flattened().as_flattened(),
            );
        };
        (out, pullback)
    }

    /// The forward pass: the output, and into `saved` the queries, keys and values, the
    /// attention weights and the heads' outputs (every entry written).
    fn attend<const B: usize, const T: usize>(
        &self,
        x: &[[[f32; E]; T]; B],
        causal: bool,
        saved: &mut Saved<B, T, E, HEADS>,
    ) -> [[[f32; E]; T]; B] {
        let d = Self::HEAD_DIM;
        let scale = 1.0 / math::sqrt(d as f32);
        let Saved {
            qkv,
            weights,
            heads,
        } = saved;
        linear_rows(
            x.as_flattened(),
            self.in_proj_weight.as_flattened(),
            self.in_proj_bias.as_flattened(),
            flat(qkv),
        );
        for b in 0..B {
            let heads = heads[b].as_flattened_mut();
            for h in 0..HEADS {
                let [q, k, v] = qkv_views(&qkv[b], h, d);
                let p = &mut weights[b][h];
                gemm(q, k.t(), p.as_flattened_mut(), false);
                softmax_rows(p, scale, causal);
                gemm_block(View::of(p), v, &mut heads[h * d..], E, false);
            }
        }
        let mut out = [[[0.0; E]; T]; B];
        linear_rows(
            heads.as_flattened(),
            &self.out_proj.weight,
            &self.out_proj.bias,
            out.as_flattened_mut().as_flattened_mut(),
        );
        out
    }

    /// [`Self::forward`] and its tangent (forward mode) along the tangents of the tensors
    /// (`self_dot`) and of the input; the mask has none. On the GEMM as the forward pass: the
    /// projections' tangents two products each, and per head the scores' tangent
    /// `q_dot kᵀ + q k_dotᵀ`, the weights' through softmax's Jacobian, and the head's
    /// `p_dot v + p v_dot`. The values and tangents of the queries, keys, values and heads are
    /// kept where the pullback keeps its residuals (with `std` on the heap, from the same
    /// per-thread pool), one head's weights' tangent on the stack.
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::MultiheadAttention;
    /// use backprop::Zero;
    /// use rand::SeedableRng;
    ///
    /// let attn = MultiheadAttention::<4, 2>::new(&mut rand::rngs::StdRng::seed_from_u64(1));
    /// let x = [[[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.75]]];
    /// // Along the output bias alone, every output moves by that bias.
    /// let mut direction = MultiheadAttention::zero();
    /// direction.out_proj.bias = [1.0, 0.0, 0.0, -1.0];
    /// let (y, y_dot) = attn.forward_jvp(&direction, &x, &[[[0.0; 4]; 2]], true);
    /// assert_eq!(y, attn.forward(&x, true));
    /// assert_eq!(y_dot, [[[1.0, 0.0, 0.0, -1.0]; 2]]);
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn forward_jvp<const B: usize, const T: usize>(
        &self,
        self_dot: &Self,
        x: &[[[f32; E]; T]; B],
        x_dot: &[[[f32; E]; T]; B],
        causal: bool,
    ) -> ([[[f32; E]; T]; B], [[[f32; E]; T]; B]) {
        let d = Self::HEAD_DIM;
        let scale = 1.0 / math::sqrt(d as f32);
        let mut saved = Residuals::<Saved<B, T, E, HEADS>>::take();
        let out = self.attend(x, causal, &mut saved);
        let Saved {
            qkv,
            weights,
            heads,
        } = &*saved;
        // Every entry is written below before it is read.
        let mut tangents = Residuals::<Derivatives<B, T, E>>::take();
        let Derivatives {
            heads: heads_dot,
            qkv: qkv_dot,
        } = &mut *tangents;
        linear_rows_tangent(
            x.as_flattened(),
            x_dot.as_flattened(),
            self.in_proj_weight.as_flattened(),
            self_dot.in_proj_weight.as_flattened(),
            self_dot.in_proj_bias.as_flattened(),
            flat(qkv_dot),
        );
        for b in 0..B {
            let heads_dot = heads_dot[b].as_flattened_mut();
            for h in 0..HEADS {
                let [q, k, v] = qkv_views(&qkv[b], h, d);
                let [q_dot, k_dot, v_dot] = qkv_views(&qkv_dot[b], h, d);
                let p = &weights[b][h];
                // p_dot holds the scores' tangent, then the weights'.
                let mut p_dot = [[0.0; T]; T];
                gemm(q_dot, k.t(), p_dot.as_flattened_mut(), false);
                gemm(q, k_dot.t(), p_dot.as_flattened_mut(), true);
                softmax_rows_jacobian(p, &mut p_dot, scale);
                gemm_block(View::of(&p_dot), v, &mut heads_dot[h * d..], E, false);
                gemm_block(View::of(p), v_dot, &mut heads_dot[h * d..], E, true);
            }
        }
        let mut out_dot = [[[0.0; E]; T]; B];
        linear_rows_tangent(
            heads.as_flattened(),
            heads_dot.as_flattened(),
            &self.out_proj.weight,
            &self_dot.out_proj.weight,
            &self_dot.out_proj.bias,
            out_dot.as_flattened_mut().as_flattened_mut(),
        );
        (out, out_dot)
    }
}

/// A batch's stacked queries, keys and values as one flat `B T x 3E` buffer.
fn flat<const B: usize, const T: usize, const E: usize>(
    qkv: &mut [[[[f32; E]; 3]; T]; B],
) -> &mut [f32] {
    qkv.as_flattened_mut().as_flattened_mut().as_flattened_mut()
}

/// Head `h`'s queries, keys and values in one sequence's `[T][3][E]`: each the `T x d` block
/// of its columns.
fn qkv_views<const T: usize, const E: usize>(
    qkv: &[[[f32; E]; 3]; T],
    h: usize,
    d: usize,
) -> [View<'_>; 3] {
    let rows = qkv.as_flattened().as_flattened();
    core::array::from_fn(|part| View::block(rows, part * E + h * d, T, d, 3 * E))
}

/// Each row of scores `s` (a query's) scaled by `scale`, then its softmax, in place; with
/// `causal`, row `t` over its first `t + 1` entries, the rest zero.
fn softmax_rows<const T: usize>(s: &mut [[f32; T]; T], scale: f32, causal: bool) {
    for (t, row) in s.iter_mut().enumerate() {
        let (live, masked) = row.split_at_mut(if causal { t + 1 } else { T });
        masked.fill(0.0);
        let max = live.iter().fold(f32::NEG_INFINITY, |m, v| m.max(*v));
        let mut sum = 0.0;
        for v in live.iter_mut() {
            *v = math::exp((*v - max) * scale);
            sum += *v;
        }
        let inv = 1.0 / sum;
        live.iter_mut().for_each(|v| *v *= inv);
    }
}

/// The Jacobian of [`softmax_rows`] (scaling included) at the weights `p`, applied to `d` in
/// place: `scale p ⊙ (d - rowsum(p ⊙ d))`. Softmax's Jacobian is symmetric, so this is both
/// the backward pass (the weights' gradient to the scores') and the forward mode (the scores'
/// tangent to the weights').
fn softmax_rows_jacobian<const T: usize>(p: &[[f32; T]; T], d: &mut [[f32; T]; T], scale: f32) {
    for (p, d) in p.iter().zip(d) {
        let dot: f32 = p.iter().zip(d.iter()).map(|(p, d)| p * d).sum();
        for (p, d) in p.iter().zip(d) {
            *d = scale * p * (*d - dot);
        }
    }
}

impl<const E: usize, const HEADS: usize> Zero for MultiheadAttention<E, HEADS> {
    fn zero() -> Self {
        MultiheadAttention {
            in_proj_weight: [[[0.0; E]; E]; 3],
            in_proj_bias: [[0.0; E]; 3],
            out_proj: Linear::from_parts([[0.0; E]; E], [0.0; E]),
        }
    }
    fn set_zero(&mut self) {
        for k in 0..Self::TENSORS {
            self.tensor_mut(k).fill(0.0);
        }
    }
}

// SAFETY: f32 arrays and a `Linear` (f32 arrays); all-zero bytes are `Zero::zero`.
unsafe impl<const E: usize, const HEADS: usize> Zeroable for MultiheadAttention<E, HEADS> {}

/// PyTorch's `_reset_parameters`: `in_proj_weight` Xavier-uniform over its `[3*E, E]` shape,
/// `out_proj.weight` as `Linear`'s, both biases zero; in that order.
impl<const E: usize, const HEADS: usize> Init for MultiheadAttention<E, HEADS> {
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        let bound = math::sqrt(6.0 / (4 * E) as f32);
        for w in self.in_proj_weight.iter_mut().flatten().flatten() {
            *w = rng.random_range(-bound..=bound);
        }
        self.in_proj_bias = [[0.0; E]; 3];
        self.out_proj.init(rng);
        self.out_proj.bias = [0.0; E];
    }
}

/// By hand, since `[3*E, E]` cannot be an array type over a const generic: the stacked
/// tensors are `[3][E][..]` arrays, the same row-major bytes, reported with PyTorch's shapes.
impl<const E: usize, const HEADS: usize> Parameters for MultiheadAttention<E, HEADS> {
    const TENSORS: usize = 4;

    fn tensor(&self, k: usize) -> &[f32] {
        match k {
            0 => self.in_proj_weight.as_flattened().as_flattened(),
            1 => self.in_proj_bias.as_flattened(),
            2 => self.out_proj.weight.as_flattened(),
            3 => &self.out_proj.bias,
            _ => panic!("MultiheadAttention has no tensor {k}"),
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
        match k {
            0 => self.in_proj_weight.as_flattened_mut().as_flattened_mut(),
            1 => self.in_proj_bias.as_flattened_mut(),
            2 => self.out_proj.weight.as_flattened_mut(),
            3 => &mut self.out_proj.bias,
            _ => panic!("MultiheadAttention has no tensor {k}"),
        }
    }
    fn shape(k: usize) -> Shape {
        match k {
            0 => <[f32; E]>::SHAPE.prepend(3 * E),
            1 => f32::SHAPE.prepend(3 * E),
            2 => <[[f32; E]; E]>::SHAPE,
            3 => <[f32; E]>::SHAPE,
            _ => panic!("MultiheadAttention has no tensor {k}"),
        }
    }
    fn write_name(k: usize, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
        out.write_str(match k {
            0 => "in_proj_weight",
            1 => "in_proj_bias",
            2 => "out_proj.weight",
            3 => "out_proj.bias",
            _ => panic!("MultiheadAttention has no tensor {k}"),
        })
    }
}
