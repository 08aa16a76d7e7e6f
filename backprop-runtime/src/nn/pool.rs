//! Pooling: PyTorch's `nn.MaxPool2d`, `nn.AvgPool2d` and `nn.AdaptiveAvgPool2d` over batches of
//! `[C][H][W]` maps, in one file because they share the walk over each channel's windows.
//!
//! The output size comes from the result's type and is checked at compile time. The backward
//! passes read the input again (the pullback is given it) instead of keeping anything from the
//! forward pass: max pooling finds each window's maximum again, so nothing is stored.
//!
//! In forward mode (`forward_jvp`) max pooling passes on the tangent of each window's maximum,
//! the one the backward pass sends the gradient to; the mean poolings, being linear, pool the
//! tangent.

// A pullback's type spells out every argument it takes again, and every shadow.
#![allow(clippy::type_complexity)]

use crate::Tensor;
use core::ops::Range;

/// One axis of a fixed pooling window: the input indices under output `o` (the padding left
/// out).
#[derive(Clone, Copy)]
struct Window {
    kernel: usize,
    stride: usize,
    padding: usize,
    dilation: usize,
}

impl Window {
    #[inline]
    fn taps(self, o: usize, len: usize) -> impl Iterator<Item = usize> + Clone {
        (0..self.kernel).filter_map(move |k| {
            (o * self.stride + k * self.dilation)
                .checked_sub(self.padding)
                .filter(|&i| i < len)
        })
    }
}

/// Adaptive pooling's window along one axis: `floor(o·len/out) .. ceil((o+1)·len/out)`, as
/// PyTorch computes it.
#[inline]
fn adaptive(o: usize, len: usize, out: usize) -> Range<usize> {
    o * len / out..((o + 1) * len).div_ceil(out)
}

/// Calls `f(x_plane, y_plane)` for every channel of every sample: `(H·W)` inputs, `(OH·OW)`
/// outputs.
#[inline]
fn planes<'a, X: Tensor, Y: Tensor>(
    x: &'a [X],
    y: &'a [Y],
    in_len: usize,
    out_len: usize,
) -> impl Iterator<Item = (&'a [f32], &'a [f32])> {
    x.iter()
        .flat_map(move |x| x.flat().chunks_exact(in_len))
        .zip(y.iter().flat_map(move |y| y.flat().chunks_exact(out_len)))
}

/// Index (into the plane, `ih·W + iw`) of the largest input under one output: the first one on a
/// tie, a NaN wins (PyTorch's rule), so the gradient goes where PyTorch sends it.
#[inline]
fn argmax(
    plane: &[f32],
    width: usize,
    rows: impl Iterator<Item = usize>,
    cols: impl Iterator<Item = usize> + Clone,
) -> usize {
    let mut best: Option<usize> = None;
    for ih in rows {
        for iw in cols.clone() {
            let i = ih * width + iw;
            match best {
                Some(b) if !(plane[i] > plane[b] || plane[i].is_nan()) => {}
                _ => best = Some(i),
            }
        }
    }
    // Every window holds at least one input: PADDING <= K / 2 is checked at compile time.
    best.unwrap_or(0)
}

/// A batch's pooled maps, each output `value(plane, o)` from its channel's input plane
/// (`H·W`, row-major) and its index `o` (row `o / OW`, column `o % OW`): the forward pass of
/// every pooling layer, which differ in `value` only.
#[inline]
fn pool<
    const B: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
>(
    x: &[[[[f32; W]; H]; C]; B],
    value: impl Fn(&[f32], usize) -> f32,
) -> [[[[f32; OW]; OH]; C]; B] {
    let mut y = [[[[0.0; OW]; OH]; C]; B];
    let outputs = y
        .iter_mut()
        .flat_map(|y| y.flat_mut().chunks_exact_mut(OH * OW));
    for (plane, out) in x
        .iter()
        .flat_map(|x| x.flat().chunks_exact(H * W))
        .zip(outputs)
    {
        for (o, v) in out.iter_mut().enumerate() {
            *v = value(plane, o);
        }
    }
    y
}

/// A pooling layer's `forward` (on [`pool`] with `|plane, o| value`, after the layer's
/// compile-time `check`), `forward_fwd`, whose pullback runs `backward` with the input `x`,
/// its shadow `d_x` (when given: otherwise there is nothing to do) and the output's gradient
/// `d_y`, and `forward_jvp`, `tangent` from `self`, `x` and `x_dot` (a pooling layer has no
/// parameters, so `self_dot` is unused): the methods of every pooling layer, which differ in
/// those three bodies.
macro_rules! pooling_methods {
    (
        $(#[$forward_doc:meta])*
        value: |$plane:ident, $o:ident| $value:expr,
        $(#[$fwd_doc:meta])*
        backward: |$x:pat, $d_x:ident, $d_y:ident| $backward:expr,
        $(#[$jvp_doc:meta])*
        tangent: |$self_:ident, $tx:ident, $tx_dot:ident| $tangent:expr $(,)?
    ) => {
        $(#[$forward_doc])*
        #[crate::differentiable(custom_fwd, jvp)]
        pub fn forward<
            const B: usize,
            const C: usize,
            const H: usize,
            const W: usize,
            const OH: usize,
            const OW: usize,
        >(
            &self,
            x: &[[[[f32; W]; H]; C]; B],
        ) -> [[[[f32; OW]; OH]; C]; B] {
            Self::check::<H, W, OH, OW>();
            pool(x, |$plane: &[f32], $o: usize| $value)
        }

        $(#[$fwd_doc])*
        pub fn forward_fwd<
            const B: usize,
            const C: usize,
            const H: usize,
            const W: usize,
            const OH: usize,
            const OW: usize,
        >(
            &self,
            x: &[[[[f32; W]; H]; C]; B],
        ) -> (
            [[[[f32; OW]; OH]; C]; B],
            impl FnOnce(
                &Self,
                Option<&mut Self>,
                &[[[[f32; W]; H]; C]; B],
                Option<&mut [[[[f32; W]; H]; C]; B]>,
                &[[[[f32; OW]; OH]; C]; B],
            ),
        ) {
            (
                self.forward(x),
                |_: &Self,
                 _: Option<&mut Self>,
                 $x: &[[[[f32; W]; H]; C]; B],
                 d_x: Option<&mut [[[[f32; W]; H]; C]; B]>,
                 $d_y: &[[[[f32; OW]; OH]; C]; B]| {
                    let Some($d_x) = d_x else { return };
                    $backward
                },
            )
        }

        $(#[$jvp_doc])*
        pub fn forward_jvp<
            const B: usize,
            const C: usize,
            const H: usize,
            const W: usize,
            const OH: usize,
            const OW: usize,
        >(
            &$self_,
            _self_dot: &Self,
            $tx: &[[[[f32; W]; H]; C]; B],
            $tx_dot: &[[[[f32; W]; H]; C]; B],
        ) -> ([[[[f32; OW]; OH]; C]; B], [[[[f32; OW]; OH]; C]; B]) {
            $tangent
        }
    };
}

/// Checks a fixed window's hyperparameters and the output size at compile time.
const fn window_fits(
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
        && 2 * padding <= kernel
        && input + 2 * padding > dilation * (kernel - 1)
        && output == (input + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1
}

/// The maximum over `K x K` windows, PyTorch's `nn.MaxPool2d(K, stride=STRIDE,
/// padding=PADDING, dilation=DILATION)` (the stride defaults to the kernel, as there). Padding
/// is `-inf`, at most half the kernel, as PyTorch requires. The gradient goes to the first
/// maximum of each window, and in forward mode ([`forward_jvp`](Self::forward_jvp)) the
/// tangent comes from it.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::MaxPool2d;
///
/// let x = [[[[1.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, -1.0]]]]; // one 2x4 map
/// let y: [[[[f32; 2]; 1]; 1]; 1] = MaxPool2d::<2>.forward(&x);
/// assert_eq!(y, [[[[4.0, 0.0]]]]);
///
/// let mut d_x = [[[[0.0; 4]; 2]; 1]; 1];
/// MaxPool2d::<2>.forward_vjp(&mut MaxPool2d, &x, &mut d_x, &[[[[1.0, 1.0]]]]);
/// assert_eq!(d_x, [[[[0.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]]]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MaxPool2d<
    const K: usize,
    const STRIDE: usize = K,
    const PADDING: usize = 0,
    const DILATION: usize = 1,
>;

stateless!(MaxPool2d<const K: usize, const STRIDE: usize, const PADDING: usize, const DILATION: usize>);

impl<const K: usize, const STRIDE: usize, const PADDING: usize, const DILATION: usize>
    MaxPool2d<K, STRIDE, PADDING, DILATION>
{
    const WINDOW: Window = Window {
        kernel: K,
        stride: STRIDE,
        padding: PADDING,
        dilation: DILATION,
    };

    /// Checks the shapes at compile time.
    fn check<const H: usize, const W: usize, const OH: usize, const OW: usize>() {
        const {
            assert!(
                window_fits(H, OH, K, STRIDE, PADDING, DILATION)
                    && window_fits(W, OW, K, STRIDE, PADDING, DILATION),
                "MaxPool2d: the output is (H + 2 PADDING - DILATION (K - 1) - 1) / STRIDE + 1 \
                 high (and likewise wide), with PADDING <= K / 2 and K, STRIDE, DILATION >= 1"
            )
        }
    }

    /// The index in a `H x W` plane of the maximum under output `o` (row `o / OW`, column
    /// `o % OW`): the one input every pass of the layer reads there.
    #[inline]
    fn maximum<const H: usize, const W: usize, const OW: usize>(plane: &[f32], o: usize) -> usize {
        let (rows, cols) = (Self::WINDOW.taps(o / OW, H), Self::WINDOW.taps(o % OW, W));
        argmax(plane, W, rows, cols)
    }

    pooling_methods!(
        /// Each window's maximum, for a batch of `B` samples of `C` maps.
        value: |plane, o| plane[Self::maximum::<H, W, OW>(plane, o)],
        /// [`Self::forward`] and its pullback: each output's gradient added to the input it
        /// came from.
        backward: |x, d_x, d_y| {
            let d_planes = d_x
                .iter_mut()
                .flat_map(|d| d.flat_mut().chunks_exact_mut(H * W));
            for ((plane, d_out), d_plane) in planes(x, d_y, H * W, OH * OW).zip(d_planes) {
                for (o, g) in d_out.iter().enumerate() {
                    d_plane[Self::maximum::<H, W, OW>(plane, o)] += g;
                }
            }
        },
        /// [`Self::forward`] and its tangent (forward mode): each output's tangent is that of
        /// the input it came from, the window's first maximum as in the backward pass.
        tangent: |self, x, x_dot| {
            Self::check::<H, W, OH, OW>();
            let mut y = [[[[0.0; OW]; OH]; C]; B];
            let mut y_dot = y;
            let outputs = y.iter_mut().zip(y_dot.iter_mut()).flat_map(|(y, y_dot)| {
                let y = y.flat_mut().chunks_exact_mut(OH * OW);
                y.zip(y_dot.flat_mut().chunks_exact_mut(OH * OW))
            });
            let x_planes = planes(x, x_dot, H * W, H * W);
            for ((plane, plane_dot), (out, out_dot)) in x_planes.zip(outputs) {
                for o in 0..OH * OW {
                    let i = Self::maximum::<H, W, OW>(plane, o);
                    (out[o], out_dot[o]) = (plane[i], plane_dot[i]);
                }
            }
            (y, y_dot)
        },
    );
}

/// The mean over `K x K` windows, PyTorch's `nn.AvgPool2d(K, stride=STRIDE, padding=PADDING)`
/// with its defaults: the stride is the kernel, and zero padding counts in the mean
/// (`count_include_pad=True`), so every window divides by `K·K`. In forward mode
/// ([`forward_jvp`](Self::forward_jvp)) it pools the tangent alike.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::AvgPool2d;
///
/// let x = [[[[1.0, 2.0, 0.0, 0.0], [3.0, 4.0, 0.0, -1.0]]]];
/// let y: [[[[f32; 2]; 1]; 1]; 1] = AvgPool2d::<2>.forward(&x);
/// assert_eq!(y, [[[[2.5, -0.25]]]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AvgPool2d<const K: usize, const STRIDE: usize = K, const PADDING: usize = 0>;

stateless!(AvgPool2d<const K: usize, const STRIDE: usize, const PADDING: usize>);

impl<const K: usize, const STRIDE: usize, const PADDING: usize> AvgPool2d<K, STRIDE, PADDING> {
    const WINDOW: Window = Window {
        kernel: K,
        stride: STRIDE,
        padding: PADDING,
        dilation: 1,
    };

    /// Checks the shapes at compile time.
    fn check<const H: usize, const W: usize, const OH: usize, const OW: usize>() {
        const {
            assert!(
                window_fits(H, OH, K, STRIDE, PADDING, 1)
                    && window_fits(W, OW, K, STRIDE, PADDING, 1),
                "AvgPool2d: the output is (H + 2 PADDING - K) / STRIDE + 1 high (and likewise \
                 wide), with PADDING <= K / 2 and K, STRIDE >= 1"
            )
        }
    }

    /// `1 / (K·K)`: zero padding counts in the mean.
    const SCALE: f32 = 1.0 / (K * K) as f32;

    pooling_methods!(
        /// Each window's mean, for a batch of `B` samples of `C` maps.
        value: |plane, o| {
            let cols = Self::WINDOW.taps(o % OW, W);
            let sum: f32 = Self::WINDOW
                .taps(o / OW, H)
                .flat_map(|ih| cols.clone().map(move |iw| plane[ih * W + iw]))
                .sum();
            sum * Self::SCALE
        },
        /// [`Self::forward`] and its pullback: each output's gradient spread evenly over its
        /// window.
        backward: |_, d_x, d_y| {
            spread(d_x, d_y, |o| {
                (
                    Self::WINDOW.taps(o / OW, H),
                    Self::WINDOW.taps(o % OW, W),
                    Self::SCALE,
                )
            });
        },
        /// [`Self::forward`] and its tangent (forward mode): the mean is linear, so the
        /// tangent is the pooled input tangent.
        tangent: |self, x, x_dot| (self.forward(x), self.forward(x_dot)),
    );
}

/// Adds each output's gradient times `scale` into every input of its window, `window(o)` giving
/// the rows, columns and scale of output `o`: the backward pass of both mean poolings.
#[inline]
fn spread<
    R: Iterator<Item = usize>,
    Cs: Iterator<Item = usize> + Clone,
    const B: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
>(
    d_x: &mut [[[[f32; W]; H]; C]; B],
    d_y: &[[[[f32; OW]; OH]; C]; B],
    window: impl Fn(usize) -> (R, Cs, f32),
) {
    let d_outputs = d_y.iter().flat_map(|d| d.flat().chunks_exact(OH * OW));
    let d_planes = d_x
        .iter_mut()
        .flat_map(|d| d.flat_mut().chunks_exact_mut(H * W));
    for (d_out, d_plane) in d_outputs.zip(d_planes) {
        for (o, g) in d_out.iter().enumerate() {
            let (rows, cols, scale) = window(o);
            for ih in rows {
                for iw in cols.clone() {
                    d_plane[ih * W + iw] += g * scale;
                }
            }
        }
    }
}

/// The mean over windows that tile the input into an `OH x OW` grid, whatever its size:
/// PyTorch's `nn.AdaptiveAvgPool2d((OH, OW))`, with its window bounds
/// (`floor(i·H/OH) .. ceil((i+1)·H/OH)`). `OH` and `OW` come from the result's type. In
/// forward mode ([`forward_jvp`](Self::forward_jvp)) it pools the tangent alike.
///
/// ```
/// # use backprop_runtime as backprop;
/// use backprop::nn::AdaptiveAvgPool2d;
///
/// // Global average pooling: each map to its mean.
/// let x = [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]];
/// let y: [[[[f32; 1]; 1]; 1]; 1] = AdaptiveAvgPool2d.forward(&x);
/// assert_eq!(y, [[[[3.5]]]]);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AdaptiveAvgPool2d;

stateless!(AdaptiveAvgPool2d);

impl AdaptiveAvgPool2d {
    /// Checks the shapes at compile time.
    fn check<const H: usize, const W: usize, const OH: usize, const OW: usize>() {
        const {
            assert!(
                OH >= 1 && OW >= 1 && H >= 1 && W >= 1,
                "AdaptiveAvgPool2d: input and output are at least 1x1"
            )
        }
    }

    pooling_methods!(
        /// Each window's mean, for a batch of `B` samples of `C` maps.
        value: |plane, o| {
            let (rows, cols) = (adaptive(o / OW, H, OH), adaptive(o % OW, W, OW));
            let count = rows.len() * cols.len();
            let sum: f32 = rows
                .flat_map(|ih| cols.clone().map(move |iw| plane[ih * W + iw]))
                .sum();
            sum / count as f32
        },
        /// [`Self::forward`] and its pullback: each output's gradient spread evenly over its
        /// window.
        backward: |_, d_x, d_y| {
            spread(d_x, d_y, |o| {
                let (rows, cols) = (adaptive(o / OW, H, OH), adaptive(o % OW, W, OW));
                let scale = 1.0 / (rows.len() * cols.len()) as f32;
                (rows, cols, scale)
            });
        },
        /// [`Self::forward`] and its tangent (forward mode): the pooled input tangent.
        tangent: |self, x, x_dot| (self.forward(x), self.forward(x_dot)),
    );
}
