//! `Conv1d` and `Conv2d`: PyTorch's `nn.Conv1d` and `nn.Conv2d` (stride, zero padding,
//! dilation, groups), batch-first, on im2col and the GEMM.
//!
//! Both live in this file because they are one algorithm: a `Conv1d` over a sequence of length
//! `L` is a `Conv2d` over an image one row high, so both run on [`Geometry`]'s loops. For each
//! sample and group, im2col copies the input patches into a `(C·KH·KW) x (OH·OW)` matrix on
//! the stack, and one GEMM multiplies the group's weight rows by it. The backward pass rebuilds
//! that matrix from the input (which the pullback is given again) rather than keeping it: the
//! residuals would be the whole batch's patches.
//! The forward mode (`forward_jvp`) runs on the same loops and the same buffer: the patches
//! of the input serve the weight's product and its tangent's, then those of the input's
//! tangent the third product.
//!
//! im2col + GEMM was measured against direct loops at the `digits_cnn` sizes
//! (docs/benchmarks-layers.md).

// A pullback's type spells out every argument it takes again, and every shadow.
#![allow(clippy::type_complexity)]

use super::Init;
use crate::ops::gemm::{gemm, View};
use crate::{differentiable, Parameters, Tensor, Zero};
use core::ops::Range;
use rand::Rng;

/// `(input + 2·padding - dilation·(kernel - 1) - 1) / stride + 1`: PyTorch's output length,
/// checked at compile time against the output type.
const fn out_len(
    input: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> usize {
    (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
}

/// Checks, at compile time, a convolution's hyperparameters and shapes along one axis.
/// Returns whether they fit, so that each caller asserts with its own message.
const fn axis_fits(
    input: usize,
    output: usize,
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> bool {
    kernel >= 1
        && stride >= 1
        && dilation >= 1
        && input + 2 * padding > dilation * (kernel - 1)
        && output == out_len(input, kernel, stride, padding, dilation)
}

/// The sizes of one convolution: `(height, width)` pairs, a `Conv1d` having height 1.
#[derive(Clone, Copy)]
struct Geometry {
    /// Input channels per group.
    channels: usize,
    groups: usize,
    /// Output channels per group.
    out_per_group: usize,
    input: (usize, usize),
    output: (usize, usize),
    kernel: (usize, usize),
    stride: (usize, usize),
    padding: (usize, usize),
    dilation: (usize, usize),
}

impl Geometry {
    /// Output positions: the columns of the patch matrix.
    fn positions(&self) -> usize {
        self.output.0 * self.output.1
    }

    /// Weights per output channel: the rows of the patch matrix.
    fn taps(&self) -> usize {
        self.channels * self.kernel.0 * self.kernel.1
    }

    /// Calls `f(patch_start, input_start, count)` for every run of the patch matrix
    /// (`taps x positions`, row-major) that copies the input: entries `patch_start + j` take
    /// input `input_start + j * stride`, `j < count`, indices into one group's `[C][H][W]`
    /// input. Every other entry is in the zero padding. im2col and its adjoint both walk this
    /// one map, so they cannot disagree; a run is a row of the output along which the tap
    /// stays inside the input.
    #[inline]
    fn for_each_run(&self, mut f: impl FnMut(usize, usize, usize)) {
        let (h, w) = self.input;
        let (oh, ow) = self.output;
        let rows_of = |k| inside(oh, h, k, self.stride.0, self.padding.0, self.dilation.0);
        let cols_of = |k| inside(ow, w, k, self.stride.1, self.padding.1, self.dilation.1);
        let mut tap = 0;
        for c in 0..self.channels {
            for kh in 0..self.kernel.0 {
                let rows = rows_of(kh);
                for kw in 0..self.kernel.1 {
                    let cols = cols_of(kw);
                    for o_row in rows.clone() {
                        let ih = o_row * self.stride.0 + kh * self.dilation.0 - self.padding.0;
                        let iw = cols.start * self.stride.1 + kw * self.dilation.1 - self.padding.1;
                        f(
                            tap * oh * ow + o_row * ow + cols.start,
                            (c * h + ih) * w + iw,
                            cols.len(),
                        );
                    }
                    tap += 1;
                }
            }
        }
    }

    /// One group's input as the patch matrix.
    fn im2col(&self, x: &[f32], patches: &mut [f32]) {
        patches.fill(0.0);
        let step = self.stride.1;
        self.for_each_run(|p, i, n| {
            for (dst, src) in patches[p..p + n]
                .iter_mut()
                .zip(x[i..].iter().step_by(step))
            {
                *dst = *src;
            }
        });
    }

    /// The adjoint of [`Self::im2col`]: each patch entry's gradient added into the input entry
    /// it was copied from.
    fn col2im_add(&self, d_patches: &[f32], d_x: &mut [f32]) {
        let step = self.stride.1;
        self.for_each_run(|p, i, n| {
            for (dst, src) in d_x[i..].iter_mut().step_by(step).zip(&d_patches[p..p + n]) {
                *dst += *src;
            }
        });
    }

    /// The group `g`'s part of a per-channel buffer of `per_channel` entries per channel.
    fn group<'a>(
        &self,
        data: &'a [f32],
        g: usize,
        channels: usize,
        per_channel: usize,
    ) -> &'a [f32] {
        let len = channels * per_channel;
        &data[g * len..(g + 1) * len]
    }

    /// [`Self::group`], mutable.
    fn group_mut<'a>(
        &self,
        data: &'a mut [f32],
        g: usize,
        channels: usize,
        per_channel: usize,
    ) -> &'a mut [f32] {
        let len = channels * per_channel;
        &mut data[g * len..(g + 1) * len]
    }

    /// One sample's output `[OUT][OH·OW]` from its input `[IN][H·W]`: per group,
    /// `y = weight · patches + bias`.
    fn forward(&self, weight: &[f32], bias: &[f32], x: &[f32], patches: &mut [f32], y: &mut [f32]) {
        let plane = self.input.0 * self.input.1;
        self.fill_bias(bias, y);
        for g in 0..self.groups {
            self.im2col(self.group(x, g, self.channels, plane), patches);
            self.add_product(weight, g, patches, y);
        }
    }

    /// One sample's output and its tangent (forward mode), `y_dot = weight_dot · patches(x) +
    /// weight · patches(x_dot) + bias_dot`: per group, the patches of `x` serve both products
    /// that read them, then those of `x_dot` overwrite them.
    fn tangent(
        &self,
        (weight, weight_dot): (&[f32], &[f32]),
        (bias, bias_dot): (&[f32], &[f32]),
        (x, x_dot): (&[f32], &[f32]),
        patches: &mut [f32],
        y: &mut [f32],
        y_dot: &mut [f32],
    ) {
        let plane = self.input.0 * self.input.1;
        self.fill_bias(bias, y);
        self.fill_bias(bias_dot, y_dot);
        for g in 0..self.groups {
            self.im2col(self.group(x, g, self.channels, plane), patches);
            self.add_product(weight, g, patches, y);
            self.add_product(weight_dot, g, patches, y_dot);
            self.im2col(self.group(x_dot, g, self.channels, plane), patches);
            self.add_product(weight, g, patches, y_dot);
        }
    }

    /// Each output channel's row of `y` set to its bias.
    fn fill_bias(&self, bias: &[f32], y: &mut [f32]) {
        for (row, b) in y.chunks_exact_mut(self.positions()).zip(bias) {
            row.fill(*b);
        }
    }

    /// `y += weight · patches` for the group `g`'s output channels.
    fn add_product(&self, weight: &[f32], g: usize, patches: &[f32], y: &mut [f32]) {
        let (n, k, og) = (self.positions(), self.taps(), self.out_per_group);
        gemm(
            View::row_major(self.group(weight, g, og, k), og, k),
            View::row_major(patches, k, n),
            self.group_mut(y, g, og, n),
            true,
        );
    }

    /// One sample's gradients, added into the shadows given: `d_weight += d_y · patchesᵀ`,
    /// `d_bias += Σ d_y`, `d_x += col2im(weightᵀ · d_y)`.
    #[allow(clippy::too_many_arguments)]
    fn backward(
        &self,
        weight: &[f32],
        d_weight: Option<&mut [f32]>,
        d_bias: Option<&mut [f32]>,
        x: &[f32],
        d_x: Option<&mut [f32]>,
        d_y: &[f32],
        patches: &mut [f32],
    ) {
        let (n, k, og) = (self.positions(), self.taps(), self.out_per_group);
        let plane = self.input.0 * self.input.1;
        if let Some(d_bias) = d_bias {
            for (d_b, row) in d_bias.iter_mut().zip(d_y.chunks_exact(n)) {
                *d_b += row.iter().sum::<f32>();
            }
        }
        let (mut d_weight, mut d_x) = (d_weight, d_x);
        for g in 0..self.groups {
            let d_y_g = View::row_major(self.group(d_y, g, og, n), og, n);
            if let Some(d_weight) = d_weight.as_deref_mut() {
                self.im2col(self.group(x, g, self.channels, plane), patches);
                gemm(
                    d_y_g,
                    View::row_major(patches, k, n).t(),
                    self.group_mut(d_weight, g, og, k),
                    true,
                );
            }
            if let Some(d_x) = d_x.as_deref_mut() {
                // The patches' gradient overwrites the patches, which are no longer needed.
                gemm(
                    View::row_major(self.group(weight, g, og, k), og, k).t(),
                    d_y_g,
                    patches,
                    false,
                );
                self.col2im_add(patches, self.group_mut(d_x, g, self.channels, plane));
            }
        }
    }
}

/// The outputs `o < out` whose tap `k` lands inside the input, `0 <= o·stride + k·dilation -
/// padding < input`: a range, since the position grows with `o`.
fn inside(
    out: usize,
    input: usize,
    k: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Range<usize> {
    let offset = k * dilation;
    // The first o with o·stride + offset >= padding, and the first with it >= input + padding.
    let first = |bound: usize| bound.saturating_sub(offset).div_ceil(stride).min(out);
    first(padding)..first(input + padding)
}

/// PyTorch's default initialisation of a convolution: weight and bias uniform in
/// `±1/sqrt(fan_in)`, `fan_in = in_channels / groups · kernel size`
/// (`kaiming_uniform_(a = sqrt(5))` works out to that bound), the weight first.
fn init_uniform<R: Rng + ?Sized>(weight: &mut [f32], bias: &mut [f32], fan_in: usize, rng: &mut R) {
    let bound = 1.0 / crate::math::sqrt(fan_in as f32);
    for v in weight.iter_mut().chain(bias.iter_mut()) {
        *v = rng.random_range(-bound..=bound);
    }
}

/// A 2-d convolution over a batch of `[IN][H][W]` images, PyTorch's `nn.Conv2d`, with
/// `weight: [OUT][C][KH][KW]` and `bias: [OUT]` as its `state_dict` names them.
///
/// `C` is the number of input channels **per group**, as in the weight's shape: with the
/// default `GROUPS = 1` it is all of them. `STRIDE`, `PADDING` (zeros) and `DILATION` are the
/// same along both axes. PyTorch's `nn.Conv2d(in, out, (kh, kw), stride=s, padding=p,
/// dilation=d, groups=g)` is `Conv2d<{in / g}, out, kh, kw, s, p, d, g>`.
///
/// The forward pass is generic over the batch and image sizes; the output size comes from the
/// result's type and is checked at compile time, as are the channel counts (`IN = C · GROUPS`,
/// `OUT` a multiple of `GROUPS`): a wrong shape does not build.
///
/// The output is returned on the stack: a batch of 32 `[16][8][8]` maps is 128 KiB. For
/// bigger batches, run the model on a thread with a bigger stack or on smaller batches.
///
/// [`forward_jvp`](Self::forward_jvp) is its forward mode (the output's tangent along tangents
/// of the parameters and the input), so a `#[differentiable(jvp)]` model may call `forward`.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Conv2d;
/// use rand::SeedableRng;
///
/// // nn.Conv2d(1, 4, 3, padding=1): 8x8 images in, 8x8 maps out.
/// let conv = Conv2d::<1, 4, 3, 3, 1, 1>::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// let x = [[[[0.5; 8]; 8]; 1]; 2];
/// let y: [[[[f32; 8]; 8]; 4]; 2] = conv.forward(&x);
///
/// // Its gradients: weight, bias and input.
/// let mut d_conv = <Conv2d<1, 4, 3, 3, 1, 1> as backprop::Zero>::zero();
/// let mut d_x = [[[[0.0; 8]; 8]; 1]; 2];
/// let y2 = conv.forward_vjp(&mut d_conv, &x, &mut d_x, &[[[[1.0; 8]; 8]; 4]; 2]);
/// assert_eq!(y, y2);
/// assert_eq!(d_conv.bias, [128.0; 4]); // 2 images x 64 positions
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Conv2d<
    const C: usize,
    const OUT: usize,
    const KH: usize,
    const KW: usize,
    const STRIDE: usize = 1,
    const PADDING: usize = 0,
    const DILATION: usize = 1,
    const GROUPS: usize = 1,
> {
    /// `[OUT][C][KH][KW]`, as PyTorch stores it.
    pub weight: [[[[f32; KW]; KH]; C]; OUT],
    /// `[OUT]`.
    pub bias: [f32; OUT],
}

impl<
        const C: usize,
        const OUT: usize,
        const KH: usize,
        const KW: usize,
        const STRIDE: usize,
        const PADDING: usize,
        const DILATION: usize,
        const GROUPS: usize,
    > Conv2d<C, OUT, KH, KW, STRIDE, PADDING, DILATION, GROUPS>
{
    /// PyTorch's default initialisation (see [`Init`]).
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::from_parts([[[[0.0; KW]; KH]; C]; OUT], [0.0; OUT]);
        layer.init(rng);
        layer
    }

    /// A layer with the given parameters.
    pub const fn from_parts(weight: [[[[f32; KW]; KH]; C]; OUT], bias: [f32; OUT]) -> Self {
        Conv2d { weight, bias }
    }

    /// The sizes of a forward pass, checked at compile time.
    fn geometry<
        const IN: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
    >() -> Geometry {
        const {
            assert!(
                GROUPS >= 1 && IN == C * GROUPS,
                "Conv2d: the input has C * GROUPS channels"
            );
            assert!(
                OUT.is_multiple_of(GROUPS),
                "Conv2d: OUT is a multiple of GROUPS"
            );
            assert!(
                axis_fits(H, OH, KH, STRIDE, PADDING, DILATION)
                    && axis_fits(W, OW, KW, STRIDE, PADDING, DILATION),
                "Conv2d: the output is (H + 2 PADDING - DILATION (KH - 1) - 1) / STRIDE + 1 high \
                 (and likewise wide), at least 1, with STRIDE, DILATION, KH, KW >= 1"
            );
        }
        Geometry {
            channels: C,
            groups: GROUPS,
            out_per_group: OUT / GROUPS,
            input: (H, W),
            output: (OH, OW),
            kernel: (KH, KW),
            stride: (STRIDE, STRIDE),
            padding: (PADDING, PADDING),
            dilation: (DILATION, DILATION),
        }
    }

    /// The convolution of a batch of `B` images `[IN][H][W]`: `[OUT][OH][OW]` maps, `OH` and
    /// `OW` taken from the result's type (checked at compile time).
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<
        const B: usize,
        const IN: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
    >(
        &self,
        x: &[[[[f32; W]; H]; IN]; B],
    ) -> [[[[f32; OW]; OH]; OUT]; B] {
        let mut patches = [[[[[0.0f32; OW]; OH]; KW]; KH]; C];
        forward_batch(
            &Self::geometry::<IN, H, W, OH, OW>(),
            &self.weight,
            &self.bias,
            x,
            patches.flat_mut(),
        )
    }

    /// [`Self::forward`] and its pullback, which adds `d_weight`, `d_bias` and `d_x` into the
    /// shadows given and skips the products of those that are `None` (a first layer's input).
    pub fn forward_fwd<
        const B: usize,
        const IN: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
    >(
        &self,
        x: &[[[[f32; W]; H]; IN]; B],
    ) -> (
        [[[[f32; OW]; OH]; OUT]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[[[f32; W]; H]; IN]; B],
            Option<&mut [[[[f32; W]; H]; IN]; B]>,
            &[[[[f32; OW]; OH]; OUT]; B],
        ),
    ) {
        (
            self.forward(x),
            |layer: &Self,
             d_layer: Option<&mut Self>,
             x: &[[[[f32; W]; H]; IN]; B],
             d_x: Option<&mut [[[[f32; W]; H]; IN]; B]>,
             d_y: &[[[[f32; OW]; OH]; OUT]; B]| {
                let mut patches = [[[[[0.0f32; OW]; OH]; KW]; KH]; C];
                backward_batch(
                    &Self::geometry::<IN, H, W, OH, OW>(),
                    &layer.weight,
                    d_layer.map(|d| (&mut d.weight, &mut d.bias)),
                    x,
                    d_x,
                    d_y,
                    patches.flat_mut(),
                );
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode): `weight_dot * x + weight * x_dot +
    /// bias_dot`, the tangents of the weight and bias in `self_dot`, on the GEMM as the forward
    /// pass is (three products per group, each sample's patch matrix built from `x` and then
    /// from `x_dot` in the one buffer the forward pass uses).
    ///
    /// ```
    /// # use backprop_runtime as backprop;
    /// use backprop::nn::Conv2d;
    /// use backprop::Zero;
    ///
    /// // A 2x2 sum over one 3x3 image: along the input direction x_dot = x, the tangent is y
    /// // (the layer is linear in x and has no bias).
    /// let conv = Conv2d::<1, 1, 2, 2>::from_parts([[[[1.0; 2]; 2]]], [0.0]);
    /// let x = [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]];
    /// let (y, y_dot): ([[[[f32; 2]; 2]; 1]; 1], _) = conv.forward_jvp(&Conv2d::zero(), &x, &x);
    /// assert_eq!(y, [[[[12.0, 16.0], [24.0, 28.0]]]]);
    /// assert_eq!(y_dot, y);
    ///
    /// // Along the bias alone: the tangent is the bias tangent everywhere.
    /// let bias_dot = Conv2d::from_parts([[[[0.0; 2]; 2]]], [1.0]);
    /// let (_, y_dot) = conv.forward_jvp(&bias_dot, &x, &[[[[0.0; 3]; 3]]]);
    /// assert_eq!(y_dot, [[[[1.0; 2]; 2]]]);
    /// ```
    pub fn forward_jvp<
        const B: usize,
        const IN: usize,
        const H: usize,
        const W: usize,
        const OH: usize,
        const OW: usize,
    >(
        &self,
        self_dot: &Self,
        x: &[[[[f32; W]; H]; IN]; B],
        x_dot: &[[[[f32; W]; H]; IN]; B],
    ) -> ([[[[f32; OW]; OH]; OUT]; B], [[[[f32; OW]; OH]; OUT]; B]) {
        let mut patches = [[[[[0.0f32; OW]; OH]; KW]; KH]; C];
        tangent_batch(
            &Self::geometry::<IN, H, W, OH, OW>(),
            (&self.weight, &self_dot.weight),
            (&self.bias, &self_dot.bias),
            (x, x_dot),
            patches.flat_mut(),
        )
    }
}

/// The convolution of a batch, sample by sample: the forward pass of both layers, with
/// `patches` one sample's patch matrix.
fn forward_batch<Wt: Tensor, const OUT: usize, X: Tensor, Y: Tensor, const B: usize>(
    geometry: &Geometry,
    weight: &Wt,
    bias: &[f32; OUT],
    x: &[X; B],
    patches: &mut [f32],
) -> [Y; B] {
    let mut y = <[Y; B]>::zero();
    for (x, y) in x.iter().zip(y.iter_mut()) {
        geometry.forward(weight.flat(), bias, x.flat(), patches, y.flat_mut());
    }
    y
}

/// The convolution of a batch and its tangent, sample by sample: the forward mode of both
/// layers, with `patches` one sample's patch matrix (the forward pass's only buffer).
fn tangent_batch<Wt: Tensor, const OUT: usize, X: Tensor, Y: Tensor, const B: usize>(
    geometry: &Geometry,
    (weight, weight_dot): (&Wt, &Wt),
    (bias, bias_dot): (&[f32; OUT], &[f32; OUT]),
    (x, x_dot): (&[X; B], &[X; B]),
    patches: &mut [f32],
) -> ([Y; B], [Y; B]) {
    let (mut y, mut y_dot) = (<[Y; B]>::zero(), <[Y; B]>::zero());
    for b in 0..B {
        geometry.tangent(
            (weight.flat(), weight_dot.flat()),
            (bias, bias_dot),
            (x[b].flat(), x_dot[b].flat()),
            patches,
            y[b].flat_mut(),
            y_dot[b].flat_mut(),
        );
    }
    (y, y_dot)
}

/// The batch's gradients, sample by sample, into the shadows given: the backward pass of both
/// layers.
fn backward_batch<Wt: Tensor, const OUT: usize, X: Tensor, Y: Tensor, const B: usize>(
    geometry: &Geometry,
    weight: &Wt,
    d_layer: Option<(&mut Wt, &mut [f32; OUT])>,
    x: &[X; B],
    d_x: Option<&mut [X; B]>,
    d_y: &[Y; B],
    patches: &mut [f32],
) {
    let (mut d_weight, mut d_bias) = match d_layer {
        Some((d_w, d_b)) => (Some(d_w.flat_mut()), Some(d_b.as_mut_slice())),
        None => (None, None),
    };
    let mut d_x = d_x;
    for b in 0..B {
        geometry.backward(
            weight.flat(),
            d_weight.as_deref_mut(),
            d_bias.as_deref_mut(),
            x[b].flat(),
            d_x.as_deref_mut().map(|d_x| d_x[b].flat_mut()),
            d_y[b].flat(),
            patches,
        );
    }
}

/// PyTorch's default initialisation, in place: weight then bias, uniform in `±1/sqrt(C·KH·KW)`.
impl<
        const C: usize,
        const OUT: usize,
        const KH: usize,
        const KW: usize,
        const STRIDE: usize,
        const PADDING: usize,
        const DILATION: usize,
        const GROUPS: usize,
    > Init for Conv2d<C, OUT, KH, KW, STRIDE, PADDING, DILATION, GROUPS>
{
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        init_uniform(self.weight.flat_mut(), &mut self.bias, C * KH * KW, rng);
    }
}

/// A 1-d convolution over a batch of `[IN][L]` sequences, PyTorch's `nn.Conv1d`, with
/// `weight: [OUT][C][K]` and `bias: [OUT]` as its `state_dict` names them.
///
/// As in [`Conv2d`], `C` is the number of input channels per group (all of them with the
/// default `GROUPS = 1`): `nn.Conv1d(in, out, k, stride=s, padding=p, dilation=d, groups=g)`
/// is `Conv1d<{in / g}, out, k, s, p, d, g>`, and the output length comes from the result's
/// type, checked at compile time. [`forward_jvp`](Self::forward_jvp) is its forward mode.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::Conv1d;
///
/// // A moving sum of width 3 over sequences of 5, no padding: 3 outputs each.
/// let conv = Conv1d::<1, 1, 3>::from_parts([[[1.0; 3]]], [0.0]);
/// let y: [[[f32; 3]; 1]; 1] = conv.forward(&[[[1.0, 2.0, 3.0, 4.0, 5.0]]]);
/// assert_eq!(y, [[[6.0, 9.0, 12.0]]]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Parameters)]
pub struct Conv1d<
    const C: usize,
    const OUT: usize,
    const K: usize,
    const STRIDE: usize = 1,
    const PADDING: usize = 0,
    const DILATION: usize = 1,
    const GROUPS: usize = 1,
> {
    /// `[OUT][C][K]`, as PyTorch stores it.
    pub weight: [[[f32; K]; C]; OUT],
    /// `[OUT]`.
    pub bias: [f32; OUT],
}

impl<
        const C: usize,
        const OUT: usize,
        const K: usize,
        const STRIDE: usize,
        const PADDING: usize,
        const DILATION: usize,
        const GROUPS: usize,
    > Conv1d<C, OUT, K, STRIDE, PADDING, DILATION, GROUPS>
{
    /// PyTorch's default initialisation (see [`Init`]).
    pub fn new<R: Rng + ?Sized>(rng: &mut R) -> Self {
        let mut layer = Self::from_parts([[[0.0; K]; C]; OUT], [0.0; OUT]);
        layer.init(rng);
        layer
    }

    /// A layer with the given parameters.
    pub const fn from_parts(weight: [[[f32; K]; C]; OUT], bias: [f32; OUT]) -> Self {
        Conv1d { weight, bias }
    }

    /// The sizes of a forward pass, checked at compile time: a row one high.
    fn geometry<const IN: usize, const L: usize, const OL: usize>() -> Geometry {
        const {
            assert!(
                GROUPS >= 1 && IN == C * GROUPS,
                "Conv1d: the input has C * GROUPS channels"
            );
            assert!(
                OUT.is_multiple_of(GROUPS),
                "Conv1d: OUT is a multiple of GROUPS"
            );
            assert!(
                axis_fits(L, OL, K, STRIDE, PADDING, DILATION),
                "Conv1d: the output is (L + 2 PADDING - DILATION (K - 1) - 1) / STRIDE + 1 long, \
                 at least 1, with STRIDE, DILATION, K >= 1"
            );
        }
        Geometry {
            channels: C,
            groups: GROUPS,
            out_per_group: OUT / GROUPS,
            input: (1, L),
            output: (1, OL),
            kernel: (1, K),
            stride: (1, STRIDE),
            padding: (0, PADDING),
            dilation: (1, DILATION),
        }
    }

    /// The convolution of a batch of `B` sequences `[IN][L]`: `[OUT][OL]`, `OL` taken from the
    /// result's type (checked at compile time).
    #[differentiable(custom_fwd, jvp)]
    pub fn forward<const B: usize, const IN: usize, const L: usize, const OL: usize>(
        &self,
        x: &[[[f32; L]; IN]; B],
    ) -> [[[f32; OL]; OUT]; B] {
        let mut patches = [[[0.0f32; OL]; K]; C];
        forward_batch(
            &Self::geometry::<IN, L, OL>(),
            &self.weight,
            &self.bias,
            x,
            patches.flat_mut(),
        )
    }

    /// [`Self::forward`] and its pullback, which adds `d_weight`, `d_bias` and `d_x` into the
    /// shadows given and skips the products of those that are `None`.
    pub fn forward_fwd<const B: usize, const IN: usize, const L: usize, const OL: usize>(
        &self,
        x: &[[[f32; L]; IN]; B],
    ) -> (
        [[[f32; OL]; OUT]; B],
        impl FnOnce(
            &Self,
            Option<&mut Self>,
            &[[[f32; L]; IN]; B],
            Option<&mut [[[f32; L]; IN]; B]>,
            &[[[f32; OL]; OUT]; B],
        ),
    ) {
        (
            self.forward(x),
            |layer: &Self,
             d_layer: Option<&mut Self>,
             x: &[[[f32; L]; IN]; B],
             d_x: Option<&mut [[[f32; L]; IN]; B]>,
             d_y: &[[[f32; OL]; OUT]; B]| {
                let mut patches = [[[0.0f32; OL]; K]; C];
                backward_batch(
                    &Self::geometry::<IN, L, OL>(),
                    &layer.weight,
                    d_layer.map(|d| (&mut d.weight, &mut d.bias)),
                    x,
                    d_x,
                    d_y,
                    patches.flat_mut(),
                );
            },
        )
    }

    /// [`Self::forward`] and its tangent (forward mode), `weight_dot * x + weight * x_dot +
    /// bias_dot` with the parameters' tangents in `self_dot`, as [`Conv2d::forward_jvp`].
    pub fn forward_jvp<const B: usize, const IN: usize, const L: usize, const OL: usize>(
        &self,
        self_dot: &Self,
        x: &[[[f32; L]; IN]; B],
        x_dot: &[[[f32; L]; IN]; B],
    ) -> ([[[f32; OL]; OUT]; B], [[[f32; OL]; OUT]; B]) {
        let mut patches = [[[0.0f32; OL]; K]; C];
        tangent_batch(
            &Self::geometry::<IN, L, OL>(),
            (&self.weight, &self_dot.weight),
            (&self.bias, &self_dot.bias),
            (x, x_dot),
            patches.flat_mut(),
        )
    }
}

/// PyTorch's default initialisation, in place: weight then bias, uniform in `±1/sqrt(C·K)`.
impl<
        const C: usize,
        const OUT: usize,
        const K: usize,
        const STRIDE: usize,
        const PADDING: usize,
        const DILATION: usize,
        const GROUPS: usize,
    > Init for Conv1d<C, OUT, K, STRIDE, PADDING, DILATION, GROUPS>
{
    fn init<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        init_uniform(self.weight.flat_mut(), &mut self.bias, C * K, rng);
    }
}
