//! What [`RNNCell`](super::RNNCell), [`GRUCell`](super::GRUCell) and
//! [`LSTMCell`](super::LSTMCell) share: their four tensors, one batched step on the GEMM and its
//! backward pass, and the sequence form that unrolls a step over `T` time steps.
//!
//! Every cell is two projections and a pointwise part: `gi = x W_ihᵀ + b_ih` and
//! `gh = h W_hhᵀ + b_hh`, each `G` gates of `H` units (PyTorch stacks them as `[G*H, IN]`), then
//! gates that give the new state. Only the pointwise part differs between cells ([`Pointwise`],
//! in each cell's file), so the GEMMs, the gradients of the weights and the unrolling are
//! written once here. The cell state `c` has `C` units: `H` for an LSTM, `0` for the others
//! (a zero-sized array, so they carry nothing).
//!
//! Forward mode (`forward_jvp`, `forward_seq_jvp`) is written once here too: a step's value,
//! then the projections' tangents on the GEMM and the pointwise part's tangent
//! ([`Pointwise::tangent`]) at the gates the step kept.

use super::residuals::{f32_arrays, Residuals};
use crate::ops::linalg::{linear_rows, linear_rows_backward, linear_rows_tangent};
use crate::Zero;

/// The gates of one step of one sample from its two projections, and back: the only part that
/// differs between cells. `gates` and `extra` are what the backward pass reads again (the
/// activated gates, and one more vector per cell kind).
pub(crate) trait Pointwise<const H: usize, const G: usize, const C: usize> {
    /// The new state `(h_new, c_new)` from the projections `gi`, `gh` and the state `(h, c)`.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        gi: &[[f32; H]; G],
        gh: &[[f32; H]; G],
        h: &[f32; H],
        c: &[f32; C],
        h_new: &mut [f32; H],
        c_new: &mut [f32; C],
        gates: &mut [[f32; H]; G],
        extra: &mut [f32; H],
    );

    /// From the gradients of the new state, the gradients of both projections (`d_gi`, `d_gh`)
    /// and of the old state through the pointwise part alone (`d_h`, `d_c`), all overwritten.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        gates: &[[f32; H]; G],
        extra: &[f32; H],
        h: &[f32; H],
        c: &[f32; C],
        d_h_new: &[f32; H],
        d_c_new: &[f32; C],
        d_gi: &mut [[f32; H]; G],
        d_gh: &mut [[f32; H]; G],
        d_h: &mut [f32; H],
        d_c: &mut [f32; C],
    );

    /// The tangent of the new state (`h_new_dot`, `c_new_dot`, overwritten) from the tangents
    /// of both projections and of the old state (`h` and `c` are `(value, tangent)` pairs), at
    /// the point [`Self::forward`] kept (`gates`, `extra`): the forward mode of the pointwise
    /// part.
    #[allow(clippy::too_many_arguments)]
    fn tangent(
        gates: &[[f32; H]; G],
        extra: &[f32; H],
        h: (&[f32; H], &[f32; H]),
        c: (&[f32; C], &[f32; C]),
        gi_dot: &[[f32; H]; G],
        gh_dot: &[[f32; H]; G],
        h_new_dot: &mut [f32; H],
        c_new_dot: &mut [f32; C],
    );
}

/// A cell's four tensors, borrowed: `weight_ih` `[G][H][IN]`, `weight_hh` `[G][H][H]`,
/// `bias_ih` and `bias_hh` `[G][H]`.
pub(crate) struct Weights<'a, const IN: usize, const H: usize, const G: usize> {
    pub(crate) ih: &'a [[[f32; IN]; H]; G],
    pub(crate) hh: &'a [[[f32; H]; H]; G],
    pub(crate) b_ih: &'a [[f32; H]; G],
    pub(crate) b_hh: &'a [[f32; H]; G],
}

/// The shadows of a cell's four tensors, where gradients are added.
pub(crate) struct WeightsMut<'a, const IN: usize, const H: usize, const G: usize> {
    pub(crate) ih: &'a mut [[[f32; IN]; H]; G],
    pub(crate) hh: &'a mut [[[f32; H]; H]; G],
    pub(crate) b_ih: &'a mut [[f32; H]; G],
    pub(crate) b_hh: &'a mut [[f32; H]; G],
}

/// What one step keeps for its backward pass, for a batch of `B`.
#[derive(Clone, Copy)]
pub(crate) struct Step<const B: usize, const H: usize, const G: usize> {
    gates: [[[f32; H]; G]; B],
    extra: [[f32; H]; B],
}

f32_arrays!(Step<const B, const H, const G> { gates, extra });

/// `out = x wᵀ + bias` for a batch, `w` the `G*H x K` matrix PyTorch stores and `out` as
/// `[B][G][H]`.
fn project<const B: usize, const K: usize, const H: usize, const G: usize>(
    x: &[[f32; K]; B],
    w: &[[[f32; K]; H]; G],
    bias: &[[f32; H]; G],
    out: &mut [[[f32; H]; G]; B],
) {
    linear_rows(
        x,
        w.as_flattened(),
        bias.as_flattened(),
        out.as_flattened_mut().as_flattened_mut(),
    );
}

/// The tangent of [`project`] (forward mode): `x_dot wᵀ + x w_dotᵀ + bias_dot`.
#[allow(clippy::type_complexity)]
fn project_tangent<const B: usize, const K: usize, const H: usize, const G: usize>(
    (x, x_dot): (&[[f32; K]; B], &[[f32; K]; B]),
    (w, w_dot): (&[[[f32; K]; H]; G], &[[[f32; K]; H]; G]),
    bias_dot: &[[f32; H]; G],
    out_dot: &mut [[[f32; H]; G]; B],
) {
    linear_rows_tangent(
        x,
        x_dot,
        w.as_flattened(),
        w_dot.as_flattened(),
        bias_dot.as_flattened(),
        out_dot.as_flattened_mut().as_flattened_mut(),
    );
}

/// The shadows of one projection's weight and bias.
type ProjectionMut<'a, const K: usize, const H: usize, const G: usize> =
    (&'a mut [[[f32; K]; H]; G], &'a mut [[f32; H]; G]);

/// The gradients of [`project`] from `d_out`: `d_x += d_out w`, and the weight's and bias's
/// if their shadows are given.
fn project_backward<const B: usize, const K: usize, const H: usize, const G: usize>(
    x: &[[f32; K]; B],
    d_x: Option<&mut [[f32; K]; B]>,
    w: &[[[f32; K]; H]; G],
    d_w: Option<ProjectionMut<'_, K, H, G>>,
    d_out: &[[[f32; H]; G]; B],
) {
    let (d_w, d_bias) = d_w.unzip();
    linear_rows_backward(
        x,
        d_x.map(|d| &mut d[..]),
        w.as_flattened(),
        d_w.map(|d| d.as_flattened_mut()),
        d_bias.map(|d| d.as_flattened_mut()),
        d_out.as_flattened().as_flattened(),
    );
}

/// One step for a batch: the new state into `h_new`, `c_new`, and what the backward pass needs
/// into `saved`.
#[allow(clippy::too_many_arguments)]
fn step<K, const B: usize, const IN: usize, const H: usize, const G: usize, const C: usize>(
    w: &Weights<'_, IN, H, G>,
    x: &[[f32; IN]; B],
    h: &[[f32; H]; B],
    c: &[[f32; C]; B],
    h_new: &mut [[f32; H]; B],
    c_new: &mut [[f32; C]; B],
    saved: &mut Step<B, H, G>,
) where
    K: Pointwise<H, G, C>,
{
    let mut gi = [[[0.0; H]; G]; B];
    let mut gh = [[[0.0; H]; G]; B];
    project(x, w.ih, w.b_ih, &mut gi);
    project(h, w.hh, w.b_hh, &mut gh);
    for b in 0..B {
        K::forward(
            &gi[b],
            &gh[b],
            &h[b],
            &c[b],
            &mut h_new[b],
            &mut c_new[b],
            &mut saved.gates[b],
            &mut saved.extra[b],
        );
    }
}

/// A value and its tangent (forward mode), for a batch of `B` vectors of `N`.
pub(crate) type Dual<'a, const B: usize, const N: usize> = (&'a [[f32; N]; B], &'a [[f32; N]; B]);

/// The new state of a batch and its tangent, `((h_new, h_new_dot), (c_new, c_new_dot))`.
pub(crate) type StateJvp<const B: usize, const H: usize, const C: usize> = (
    ([[f32; H]; B], [[f32; H]; B]),
    ([[f32; C]; B], [[f32; C]; B]),
);

/// One step for a batch and its tangent (forward mode), along the tangents of the weights
/// (`w.1`), the input and the state: [`step`], then both projections' tangents (two products
/// each, on the GEMM) and the pointwise part's at the gates it kept.
pub(crate) fn step_jvp<
    K,
    const B: usize,
    const IN: usize,
    const H: usize,
    const G: usize,
    const C: usize,
>(
    (w, w_dot): (&Weights<'_, IN, H, G>, &Weights<'_, IN, H, G>),
    x: Dual<'_, B, IN>,
    h: Dual<'_, B, H>,
    c: Dual<'_, B, C>,
) -> StateJvp<B, H, C>
where
    K: Pointwise<H, G, C>,
{
    let mut saved = Step::zero();
    let (mut h_new, mut c_new) = ([[0.0; H]; B], [[0.0; C]; B]);
    step::<K, B, IN, H, G, C>(w, x.0, h.0, c.0, &mut h_new, &mut c_new, &mut saved);
    let mut gi_dot = [[[0.0; H]; G]; B];
    let mut gh_dot = [[[0.0; H]; G]; B];
    project_tangent(x, (w.ih, w_dot.ih), w_dot.b_ih, &mut gi_dot);
    project_tangent(h, (w.hh, w_dot.hh), w_dot.b_hh, &mut gh_dot);
    let (mut h_new_dot, mut c_new_dot) = ([[0.0; H]; B], [[0.0; C]; B]);
    for b in 0..B {
        K::tangent(
            &saved.gates[b],
            &saved.extra[b],
            (&h.0[b], &h.1[b]),
            (&c.0[b], &c.1[b]),
            &gi_dot[b],
            &gh_dot[b],
            &mut h_new_dot[b],
            &mut c_new_dot[b],
        );
    }
    ((h_new, h_new_dot), (c_new, c_new_dot))
}

/// The cell unrolled over the `T` steps of a batch-first sequence and its tangent (forward
/// mode): every step's `h` and its tangent (`[B][T][H]` each), and the final `c` and its
/// tangent. Each step's tangent needs only that step's gates, so nothing is kept across steps.
#[allow(clippy::type_complexity)]
pub(crate) fn sequence_jvp<
    K,
    const B: usize,
    const T: usize,
    const IN: usize,
    const H: usize,
    const G: usize,
    const C: usize,
>(
    w: (&Weights<'_, IN, H, G>, &Weights<'_, IN, H, G>),
    (x, x_dot): (&[[[f32; IN]; T]; B], &[[[f32; IN]; T]; B]),
    h0: Dual<'_, B, H>,
    c0: Dual<'_, B, C>,
) -> (
    ([[[f32; H]; T]; B], [[[f32; H]; T]; B]),
    ([[f32; C]; B], [[f32; C]; B]),
)
where
    K: Pointwise<H, G, C>,
{
    let (mut out, mut out_dot) = ([[[0.0; H]; T]; B], [[[0.0; H]; T]; B]);
    let (mut h, mut c) = ((*h0.0, *h0.1), (*c0.0, *c0.1));
    for t in 0..T {
        let x_t = (&at(x, t), &at(x_dot, t));
        (h, c) = step_jvp::<K, B, IN, H, G, C>(w, x_t, (&h.0, &h.1), (&c.0, &c.1));
        for b in 0..B {
            out[b][t] = h.0[b];
            out_dot[b][t] = h.1[b];
        }
    }
    ((out, out_dot), c)
}

/// The backward pass of [`step`]: from the gradients of the new state, the gradients of the old
/// one (overwritten into `d_h`, `d_c`), of the input (added into `d_x`, if given) and of the
/// weights (added into `d_w`, if given).
#[allow(clippy::too_many_arguments)]
fn step_backward<
    K,
    const B: usize,
    const IN: usize,
    const H: usize,
    const G: usize,
    const C: usize,
>(
    w: &Weights<'_, IN, H, G>,
    d_w: Option<&mut WeightsMut<'_, IN, H, G>>,
    x: &[[f32; IN]; B],
    d_x: Option<&mut [[f32; IN]; B]>,
    h: &[[f32; H]; B],
    c: &[[f32; C]; B],
    saved: &Step<B, H, G>,
    d_h_new: &[[f32; H]; B],
    d_c_new: &[[f32; C]; B],
    d_h: &mut [[f32; H]; B],
    d_c: &mut [[f32; C]; B],
) where
    K: Pointwise<H, G, C>,
{
    let mut d_gi = [[[0.0; H]; G]; B];
    let mut d_gh = [[[0.0; H]; G]; B];
    for b in 0..B {
        K::backward(
            &saved.gates[b],
            &saved.extra[b],
            &h[b],
            &c[b],
            &d_h_new[b],
            &d_c_new[b],
            &mut d_gi[b],
            &mut d_gh[b],
            &mut d_h[b],
            &mut d_c[b],
        );
    }
    let (d_input, d_recurrent) = match d_w {
        Some(d) => (
            Some((&mut *d.ih, &mut *d.b_ih)),
            Some((&mut *d.hh, &mut *d.b_hh)),
        ),
        None => (None, None),
    };
    project_backward(x, d_x, w.ih, d_input, &d_gi);
    // Through the recurrent projection too: d_h += d_gh W_hh.
    project_backward(h, Some(d_h), w.hh, d_recurrent, &d_gh);
}

/// `d += g`, element by element.
fn add_into<const N: usize, const B: usize>(d: &mut [[f32; N]; B], g: &[[f32; N]; B]) {
    for (d, g) in d.as_flattened_mut().iter_mut().zip(g.as_flattened()) {
        *d += g;
    }
}

/// One step of a cell for a batch, and its pullback: the pullback takes the weights, the input
/// and the state again, each with its shadow, then the gradients of the new state, and adds the
/// gradients into the shadows given. Only `B` steps' gates are kept.
#[allow(clippy::type_complexity)]
pub(crate) fn cell_fwd<
    K,
    const B: usize,
    const IN: usize,
    const H: usize,
    const G: usize,
    const C: usize,
>(
    w: &Weights<'_, IN, H, G>,
    x: &[[f32; IN]; B],
    h: &[[f32; H]; B],
    c: &[[f32; C]; B],
) -> (
    ([[f32; H]; B], [[f32; C]; B]),
    impl FnOnce(
        &Weights<'_, IN, H, G>,
        Option<&mut WeightsMut<'_, IN, H, G>>,
        &[[f32; IN]; B],
        Option<&mut [[f32; IN]; B]>,
        &[[f32; H]; B],
        Option<&mut [[f32; H]; B]>,
        &[[f32; C]; B],
        Option<&mut [[f32; C]; B]>,
        &[[f32; H]; B],
        &[[f32; C]; B],
    ),
)
where
    K: Pointwise<H, G, C>,
{
    let mut saved = Step::zero();
    let mut h_new = [[0.0; H]; B];
    let mut c_new = [[0.0; C]; B];
    step::<K, B, IN, H, G, C>(w, x, h, c, &mut h_new, &mut c_new, &mut saved);
    (
        (h_new, c_new),
        move |w: &Weights<'_, IN, H, G>,
              d_w: Option<&mut WeightsMut<'_, IN, H, G>>,
              x: &[[f32; IN]; B],
              d_x: Option<&mut [[f32; IN]; B]>,
              h: &[[f32; H]; B],
              d_h: Option<&mut [[f32; H]; B]>,
              c: &[[f32; C]; B],
              d_c: Option<&mut [[f32; C]; B]>,
              d_h_new: &[[f32; H]; B],
              d_c_new: &[[f32; C]; B]| {
            let mut d_h_old = [[0.0; H]; B];
            let mut d_c_old = [[0.0; C]; B];
            step_backward::<K, B, IN, H, G, C>(
                w,
                d_w,
                x,
                d_x,
                h,
                c,
                &saved,
                d_h_new,
                d_c_new,
                &mut d_h_old,
                &mut d_c_old,
            );
            if let Some(d_h) = d_h {
                add_into(d_h, &d_h_old);
            }
            if let Some(d_c) = d_c {
                add_into(d_c, &d_c_old);
            }
        },
    )
}

/// What the sequence form keeps for its backward pass: every step's gates and the state each
/// step started from, time-major so that every step's batch is one contiguous matrix.
pub(crate) struct Tape<
    const B: usize,
    const T: usize,
    const H: usize,
    const G: usize,
    const C: usize,
> {
    steps: [Step<B, H, G>; T],
    h: [[[f32; H]; B]; T],
    c: [[[f32; C]; B]; T],
}

f32_arrays!(Tape<const B, const T, const H, const G, const C> { steps, h, c });

/// Time step `t` of a batch-first sequence, `[B][T][N]`, as a batch `[B][N]`.
fn at<const B: usize, const T: usize, const N: usize>(
    seq: &[[[f32; N]; T]; B],
    t: usize,
) -> [[f32; N]; B] {
    core::array::from_fn(|b| seq[b][t])
}

/// The cell unrolled over the `T` steps of a batch-first sequence `x` (`[B][T][IN]`) from the
/// state `(h0, c0)`: every step's `h` (`[B][T][H]`, PyTorch's `output` with `batch_first`) and
/// the final state, and the pullback of the whole sequence (backpropagation through time). The
/// pullback takes the gradient of every step's `h` and of the final `c`.
#[allow(clippy::type_complexity)]
pub(crate) fn sequence_fwd<
    K,
    const B: usize,
    const T: usize,
    const IN: usize,
    const H: usize,
    const G: usize,
    const C: usize,
>(
    w: &Weights<'_, IN, H, G>,
    x: &[[[f32; IN]; T]; B],
    h0: &[[f32; H]; B],
    c0: &[[f32; C]; B],
) -> (
    ([[[f32; H]; T]; B], [[f32; C]; B]),
    impl FnOnce(
        &Weights<'_, IN, H, G>,
        Option<&mut WeightsMut<'_, IN, H, G>>,
        &[[[f32; IN]; T]; B],
        Option<&mut [[[f32; IN]; T]; B]>,
        Option<&mut [[f32; H]; B]>,
        Option<&mut [[f32; C]; B]>,
        &[[[f32; H]; T]; B],
        &[[f32; C]; B],
    ),
)
where
    K: Pointwise<H, G, C>,
{
    // Every entry is written below before the pullback reads it.
    let mut tape = Residuals::<Tape<B, T, H, G, C>>::take();
    let mut out = [[[0.0; H]; T]; B];
    let (mut h, mut c) = (*h0, *c0);
    let Tape {
        steps,
        h: hs,
        c: cs,
    } = &mut *tape;
    for t in 0..T {
        hs[t] = h;
        cs[t] = c;
        step::<K, B, IN, H, G, C>(w, &at(x, t), &hs[t], &cs[t], &mut h, &mut c, &mut steps[t]);
        for (out, h) in out.iter_mut().zip(&h) {
            out[t] = *h;
        }
    }
    (
        (out, c),
        move |w: &Weights<'_, IN, H, G>,
              mut d_w: Option<&mut WeightsMut<'_, IN, H, G>>,
              x: &[[[f32; IN]; T]; B],
              mut d_x: Option<&mut [[[f32; IN]; T]; B]>,
              d_h0: Option<&mut [[f32; H]; B]>,
              d_c0: Option<&mut [[f32; C]; B]>,
              d_out: &[[[f32; H]; T]; B],
              d_c_last: &[[f32; C]; B]| {
            // The gradients flowing back into the state, from the later steps.
            let mut d_h = [[0.0; H]; B];
            let mut d_c = *d_c_last;
            for t in (0..T).rev() {
                let mut d_h_new = at(d_out, t);
                add_into(&mut d_h_new, &d_h);
                let d_c_new = d_c;
                let mut d_x_t = [[0.0; IN]; B];
                step_backward::<K, B, IN, H, G, C>(
                    w,
                    d_w.as_deref_mut(),
                    &at(x, t),
                    d_x.is_some().then_some(&mut d_x_t),
                    &tape.h[t],
                    &tape.c[t],
                    &tape.steps[t],
                    &d_h_new,
                    &d_c_new,
                    &mut d_h,
                    &mut d_c,
                );
                if let Some(d_x) = d_x.as_deref_mut() {
                    for b in 0..B {
                        for (d, g) in d_x[b][t].iter_mut().zip(&d_x_t[b]) {
                            *d += g;
                        }
                    }
                }
            }
            if let Some(d_h0) = d_h0 {
                add_into(d_h0, &d_h);
            }
            if let Some(d_c0) = d_c0 {
                add_into(d_c0, &d_c);
            }
        },
    )
}

/// A recurrent cell's struct: its four tensors with PyTorch's names and shapes, `Parameters`
/// (by hand, since `[G*H, IN]` cannot be an array type over a const generic: the tensors are
/// `[G][H][IN]` arrays, which have the same row-major bytes, reported with PyTorch's shapes),
/// `Zero`, `Zeroable` and `Init` (PyTorch's `reset_parameters`: every tensor uniform in
/// `±1/sqrt(H)`, in the order of the fields).
macro_rules! recurrent_cell {
    ($(#[$doc:meta])* $name:ident, gates: $g:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct $name<const IN: usize, const H: usize> {
            #[doc = concat!("The input projections of the ", stringify!($g),
                " gates, `[", stringify!($g), "*H, IN]` in PyTorch's order.")]
            pub weight_ih: [[[f32; IN]; H]; $g],
            #[doc = concat!("The recurrent projections, `[", stringify!($g), "*H, H]`.")]
            pub weight_hh: [[[f32; H]; H]; $g],
            #[doc = concat!("The input bias, `[", stringify!($g), "*H]`.")]
            pub bias_ih: [[f32; H]; $g],
            #[doc = concat!("The recurrent bias, `[", stringify!($g), "*H]`.")]
            pub bias_hh: [[f32; H]; $g],
        }

        impl<const IN: usize, const H: usize> $name<IN, H> {
            /// PyTorch's default initialisation: every weight and bias uniform in
            /// `±1/sqrt(H)`. The cell is returned through the stack; for a large one use
            /// [`Init::new_boxed`](crate::nn::Init::new_boxed).
            pub fn new<R: rand::Rng + ?Sized>(rng: &mut R) -> Self {
                let mut cell = <Self as crate::Zero>::zero();
                crate::nn::Init::init(&mut cell, rng);
                cell
            }

            fn weights(&self) -> crate::nn::recurrent::Weights<'_, IN, H, $g> {
                crate::nn::recurrent::Weights {
                    ih: &self.weight_ih,
                    hh: &self.weight_hh,
                    b_ih: &self.bias_ih,
                    b_hh: &self.bias_hh,
                }
            }

            fn weights_mut(&mut self) -> crate::nn::recurrent::WeightsMut<'_, IN, H, $g> {
                crate::nn::recurrent::WeightsMut {
                    ih: &mut self.weight_ih,
                    hh: &mut self.weight_hh,
                    b_ih: &mut self.bias_ih,
                    b_hh: &mut self.bias_hh,
                }
            }
        }

        impl<const IN: usize, const H: usize> crate::Zero for $name<IN, H> {
            fn zero() -> Self {
                $name {
                    weight_ih: [[[0.0; IN]; H]; $g],
                    weight_hh: [[[0.0; H]; H]; $g],
                    bias_ih: [[0.0; H]; $g],
                    bias_hh: [[0.0; H]; $g],
                }
            }
            fn set_zero(&mut self) {
                *self = Self::zero();
            }
        }

        // SAFETY: four f32 arrays; all-zero bytes are `Zero::zero`.
        unsafe impl<const IN: usize, const H: usize> crate::Zeroable for $name<IN, H> {}

        impl<const IN: usize, const H: usize> crate::nn::Init for $name<IN, H> {
            fn init<R: rand::Rng + ?Sized>(&mut self, rng: &mut R) {
                let bound = 1.0 / crate::math::sqrt(H as f32);
                for k in 0..4 {
                    for w in crate::Parameters::tensor_mut(self, k) {
                        *w = rng.random_range(-bound..=bound);
                    }
                }
            }
        }

        impl<const IN: usize, const H: usize> crate::Parameters for $name<IN, H> {
            const TENSORS: usize = 4;

            fn tensor(&self, k: usize) -> &[f32] {
                match k {
                    0 => self.weight_ih.as_flattened().as_flattened(),
                    1 => self.weight_hh.as_flattened().as_flattened(),
                    2 => self.bias_ih.as_flattened(),
                    3 => self.bias_hh.as_flattened(),
                    _ => panic!("{} has no tensor {k}", stringify!($name)),
                }
            }
            fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
                match k {
                    0 => self.weight_ih.as_flattened_mut().as_flattened_mut(),
                    1 => self.weight_hh.as_flattened_mut().as_flattened_mut(),
                    2 => self.bias_ih.as_flattened_mut(),
                    3 => self.bias_hh.as_flattened_mut(),
                    _ => panic!("{} has no tensor {k}", stringify!($name)),
                }
            }
            fn shape(k: usize) -> crate::Shape {
                use crate::Tensor;
                match k {
                    0 => <[f32; IN]>::SHAPE.prepend($g * H),
                    1 => <[f32; H]>::SHAPE.prepend($g * H),
                    2 | 3 => <f32>::SHAPE.prepend($g * H),
                    _ => panic!("{} has no tensor {k}", stringify!($name)),
                }
            }
            fn write_name(k: usize, out: &mut dyn core::fmt::Write) -> core::fmt::Result {
                match k {
                    0 => out.write_str("weight_ih"),
                    1 => out.write_str("weight_hh"),
                    2 => out.write_str("bias_ih"),
                    3 => out.write_str("bias_hh"),
                    _ => panic!("{} has no tensor {k}", stringify!($name)),
                }
            }
        }
    };
}
pub(crate) use recurrent_cell;

/// The forward methods of a cell whose state is its hidden state alone (RNN, GRU): one step
/// and the sequence form, each with its hand-written split-mode derivative.
macro_rules! hidden_state_forward {
    ($name:ident, $kind:ident, gates: $g:literal, sequence: $seq:literal) => {
        impl<const IN: usize, const H: usize> $name<IN, H> {
            /// One step for a batch: the new hidden state of each sample from its input `x` and
            /// hidden state `h` (PyTorch's `cell(x, h)` on `[B, IN]` and `[B, H]`).
            #[crate::differentiable(custom_fwd, jvp)]
            pub fn forward<const B: usize>(
                &self,
                x: &[[f32; IN]; B],
                h: &[[f32; H]; B],
            ) -> [[f32; H]; B] {
                self.forward_fwd(x, h).0
            }

            /// [`Self::forward`] and its pullback, which keeps the step's activated gates.
            #[allow(clippy::type_complexity)]
            pub fn forward_fwd<const B: usize>(
                &self,
                x: &[[f32; IN]; B],
                h: &[[f32; H]; B],
            ) -> (
                [[f32; H]; B],
                impl FnOnce(
                    &Self,
                    Option<&mut Self>,
                    &[[f32; IN]; B],
                    Option<&mut [[f32; IN]; B]>,
                    &[[f32; H]; B],
                    Option<&mut [[f32; H]; B]>,
                    &[[f32; H]; B],
                ),
            ) {
                let ((h_new, _), pullback) = crate::nn::recurrent::cell_fwd::<
                    $kind,
                    B,
                    IN,
                    H,
                    $g,
                    0,
                >(&self.weights(), x, h, &[[]; B]);
                (
                    h_new,
                    move |cell: &Self, d_cell: Option<&mut Self>, x, d_x, h, d_h, d_out| {
                        let mut d_w = d_cell.map(Self::weights_mut);
                        let no_c = &[[]; B];
                        pullback(&cell.weights(), d_w.as_mut(), x, d_x, h, d_h, no_c, None, d_out, no_c)
                    },
                )
            }

            /// [`Self::forward`] and its tangent (forward mode) along the tangents of the
            /// tensors (`self_dot`), the input and the hidden state: the tangents of the two
            /// projections on the GEMM (two products each), then those of the gates.
            pub fn forward_jvp<const B: usize>(
                &self,
                self_dot: &Self,
                x: &[[f32; IN]; B],
                x_dot: &[[f32; IN]; B],
                h: &[[f32; H]; B],
                h_dot: &[[f32; H]; B],
            ) -> ([[f32; H]; B], [[f32; H]; B]) {
                let no_c = &[[]; B];
                crate::nn::recurrent::step_jvp::<$kind, B, IN, H, $g, 0>(
                    (&self.weights(), &self_dot.weights()),
                    (x, x_dot),
                    (h, h_dot),
                    (no_c, no_c),
                )
                .0
            }

            /// The cell unrolled over a batch-first sequence: `x` is `[B][T][IN]`, `h0` the
            /// initial hidden state, and the result every step's hidden state `[B][T][H]`
            #[doc = concat!("(PyTorch's `output` of `", $seq, "(IN, H, batch_first=True)`;")]
            /// the final state `h_n` is `output[b][T - 1]`).
            ///
            /// The backward pass runs through time: per step, a GEMM for the state's gradient
            /// and two for the weights'. The pullback keeps every step's gates, one more
            /// vector and the state it started from, `(gates + 2) B T H` floats (a GRU at
            /// `B = 32, T = 32, H = 128`: 2.6 MB): with `std` on the heap, in a buffer a
            /// per-thread pool hands out again, so a training loop allocates it on its first
            /// step only; without `std`, on the caller's stack.
            #[crate::differentiable(custom_fwd, jvp)]
            pub fn forward_seq<const B: usize, const T: usize>(
                &self,
                x: &[[[f32; IN]; T]; B],
                h0: &[[f32; H]; B],
            ) -> [[[f32; H]; T]; B] {
                self.forward_seq_fwd(x, h0).0
            }

            /// [`Self::forward_seq`] and its tangent (forward mode), step by step: each step's
            /// tangent needs only its own gates, so nothing is kept across steps (no buffer on
            /// the heap, unlike the pullback's).
            #[allow(clippy::type_complexity)]
            pub fn forward_seq_jvp<const B: usize, const T: usize>(
                &self,
                self_dot: &Self,
                x: &[[[f32; IN]; T]; B],
                x_dot: &[[[f32; IN]; T]; B],
                h0: &[[f32; H]; B],
                h0_dot: &[[f32; H]; B],
            ) -> ([[[f32; H]; T]; B], [[[f32; H]; T]; B]) {
                let no_c = &[[]; B];
                crate::nn::recurrent::sequence_jvp::<$kind, B, T, IN, H, $g, 0>(
                    (&self.weights(), &self_dot.weights()),
                    (x, x_dot),
                    (h0, h0_dot),
                    (no_c, no_c),
                )
                .0
            }

            /// [`Self::forward_seq`] and its pullback.
            #[allow(clippy::type_complexity)]
            pub fn forward_seq_fwd<const B: usize, const T: usize>(
                &self,
                x: &[[[f32; IN]; T]; B],
                h0: &[[f32; H]; B],
            ) -> (
                [[[f32; H]; T]; B],
                impl FnOnce(
                    &Self,
                    Option<&mut Self>,
                    &[[[f32; IN]; T]; B],
                    Option<&mut [[[f32; IN]; T]; B]>,
                    &[[f32; H]; B],
                    Option<&mut [[f32; H]; B]>,
                    &[[[f32; H]; T]; B],
                ),
            ) {
                let ((out, _), pullback) = crate::nn::recurrent::sequence_fwd::<
                    $kind,
                    B,
                    T,
                    IN,
                    H,
                    $g,
                    0,
                >(&self.weights(), x, h0, &[[]; B]);
                (
                    out,
                    move |cell: &Self, d_cell: Option<&mut Self>, x, d_x, _, d_h0, d_out| {
                        let mut d_w = d_cell.map(Self::weights_mut);
                        pullback(&cell.weights(), d_w.as_mut(), x, d_x, d_h0, None, d_out, &[[]; B])
                    },
                )
            }
        }
    };
}
pub(crate) use hidden_state_forward;
