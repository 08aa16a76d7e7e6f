//! Four iterations at a time: the types of a loop reversed in one pass that the macro runs in
//! lanes (docs/design.md, "Points in lanes").
//!
//! Lane `l` of every value is what iteration `p + l` computes, by the same operations in the
//! same order: `+`, `-`, `*`, `/` lane by lane, each maths function called once per lane (the
//! same `f32` function the scalar iteration calls), comparisons giving a [`Mask`]. So each lane
//! is bit for bit the scalar iteration, and LLVM turns the four-element loops into vector
//! instructions. Values that do not vary with the loop variable stay `f32` and meet lanes
//! through the mixed operators, which broadcast them.

use crate::math;
use core::ops::{Add, AddAssign, BitAnd, BitOr, Div, Mul, Neg, Not, Sub, SubAssign};

/// The number of iterations a block of lanes runs.
pub const WIDTH: usize = 4;

/// The fewest iterations a loop runs in blocks; with fewer, each runs alone. The lanes'
/// gradients and buffers are zeroed before the blocks and the gradients summed after them:
/// at GMM's d = 10 with one block (n = 4) that cost more than the block saved (2.26 against
/// 1.76 us per gradient).
pub const MIN_LEN: usize = 2 * WIDTH;

/// One `f32` per iteration of a block.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(transparent)]
pub struct Lanes(pub [f32; WIDTH]);

/// Which iterations of a block a comparison holds for (which take a branch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct Mask(pub [bool; WIDTH]);

impl Lanes {
    /// Every lane zero.
    pub const ZERO: Lanes = Lanes([0.0; WIDTH]);

    /// `[f(0), .., f(WIDTH - 1)]`: data read by each iteration of the block.
    #[inline(always)]
    pub fn gather(f: impl FnMut(usize) -> f32) -> Lanes {
        Lanes(core::array::from_fn(f))
    }

    /// `f` applied lane by lane.
    #[inline(always)]
    pub fn map(self, f: impl Fn(f32) -> f32) -> Lanes {
        Lanes(self.0.map(f))
    }
}

impl From<f32> for Lanes {
    /// The same value in every lane.
    #[inline(always)]
    fn from(x: f32) -> Lanes {
        Lanes([x; WIDTH])
    }
}

impl Mask {
    /// No lane.
    pub const NONE: Mask = Mask([false; WIDTH]);

    /// `[f(0), .., f(WIDTH - 1)]`: a test of each iteration of the block.
    #[inline(always)]
    pub fn gather(f: impl FnMut(usize) -> bool) -> Mask {
        Mask(core::array::from_fn(f))
    }

    /// Whether any lane is set: a branch is taken by some iteration of the block.
    #[inline(always)]
    pub fn any(self) -> bool {
        self.0.iter().any(|&b| b)
    }
}

impl From<bool> for Mask {
    /// The same condition in every lane.
    #[inline(always)]
    fn from(b: bool) -> Mask {
        Mask([b; WIDTH])
    }
}

/// `a op b` lane by lane, for lanes and `f32` on either side.
macro_rules! arithmetic {
    ($($trait:ident $method:ident $op:tt),*) => {$(
        impl $trait for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $method(self, b: Lanes) -> Lanes {
                Lanes(core::array::from_fn(|l| self.0[l] $op b.0[l]))
            }
        }
        impl $trait<f32> for Lanes {
            type Output = Lanes;
            #[inline(always)]
            fn $method(self, b: f32) -> Lanes {
                Lanes(core::array::from_fn(|l| self.0[l] $op b))
            }
        }
        impl $trait<Lanes> for f32 {
            type Output = Lanes;
            #[inline(always)]
            fn $method(self, b: Lanes) -> Lanes {
                Lanes(core::array::from_fn(|l| self $op b.0[l]))
            }
        }
    )*};
}

arithmetic!(Add add +, Sub sub -, Mul mul *, Div div /);

/// `a op= b` lane by lane, `b` lanes or an `f32` (adjoints accumulate both).
macro_rules! accumulation {
    ($($trait:ident $method:ident $op:tt),*) => {$(
        impl<T: Into<Lanes>> $trait<T> for Lanes {
            #[inline(always)]
            fn $method(&mut self, b: T) {
                *self = *self $op b.into();
            }
        }
    )*};
}

accumulation!(AddAssign add_assign +, SubAssign sub_assign -);

impl Neg for Lanes {
    type Output = Lanes;
    #[inline(always)]
    fn neg(self) -> Lanes {
        self.map(|x| -x)
    }
}

impl Not for Mask {
    type Output = Mask;
    #[inline(always)]
    fn not(self) -> Mask {
        Mask(self.0.map(|b| !b))
    }
}

impl BitAnd for Mask {
    type Output = Mask;
    #[inline(always)]
    fn bitand(self, b: Mask) -> Mask {
        Mask(core::array::from_fn(|l| self.0[l] & b.0[l]))
    }
}

impl BitOr for Mask {
    type Output = Mask;
    #[inline(always)]
    fn bitor(self, b: Mask) -> Mask {
        Mask(core::array::from_fn(|l| self.0[l] | b.0[l]))
    }
}

/// `if m { a } else { b }` lane by lane. A select, not a multiplication by the mask: the lanes
/// of a branch not taken may hold anything (`inf * 0` is NaN).
#[inline(always)]
pub fn select(m: impl Into<Mask>, a: impl Into<Lanes>, b: impl Into<Lanes>) -> Lanes {
    let (m, a, b) = (m.into(), a.into(), b.into());
    Lanes(core::array::from_fn(
        |l| if m.0[l] { a.0[l] } else { b.0[l] },
    ))
}

/// `*target = v` in the lanes of `m`.
#[inline(always)]
pub fn set_where(m: Mask, target: &mut Lanes, v: impl Into<Lanes>) {
    *target = select(m, v, *target);
}

/// `*target += v` in the lanes of `m`.
#[inline(always)]
pub fn add_where(m: Mask, target: &mut Lanes, v: impl Into<Lanes>) {
    *target += select(m, v, -0.0);
}

/// `*target -= v` in the lanes of `m`.
#[inline(always)]
pub fn sub_where(m: Mask, target: &mut Lanes, v: impl Into<Lanes>) {
    *target -= select(m, v, 0.0);
}

macro_rules! comparisons {
    ($($name:ident $op:tt),*) => {$(
        #[doc = concat!("`a ", stringify!($op), " b` lane by lane.")]
        #[inline(always)]
        pub fn $name(a: impl Into<Lanes>, b: impl Into<Lanes>) -> Mask {
            let (a, b) = (a.into(), b.into());
            Mask(core::array::from_fn(|l| a.0[l] $op b.0[l]))
        }
    )*};
}

comparisons!(lt <, le <=, gt >, ge >=, eq ==, ne !=);

/// The maths of [`math`], one call per lane.
macro_rules! lanewise {
    (unary $($name:ident),*) => {$(
        #[doc = concat!("`math::", stringify!($name), "` lane by lane.")]
        #[inline(always)]
        pub fn $name(x: impl Into<Lanes>) -> Lanes {
            x.into().map(math::$name)
        }
    )*};
    (binary $($name:ident),*) => {$(
        #[doc = concat!("`math::", stringify!($name), "` lane by lane.")]
        #[inline(always)]
        pub fn $name(x: impl Into<Lanes>, y: impl Into<Lanes>) -> Lanes {
            let (x, y) = (x.into(), y.into());
            Lanes(core::array::from_fn(|l| math::$name(x.0[l], y.0[l])))
        }
    )*};
    (ternary $($name:ident),*) => {$(
        #[doc = concat!("`math::", stringify!($name), "` lane by lane.")]
        #[inline(always)]
        pub fn $name(x: impl Into<Lanes>, a: impl Into<Lanes>, b: impl Into<Lanes>) -> Lanes {
            let (x, a, b) = (x.into(), a.into(), b.into());
            Lanes(core::array::from_fn(|l| math::$name(x.0[l], a.0[l], b.0[l])))
        }
    )*};
}

lanewise!(unary exp, exp2, ln, log2, log10, sqrt, cbrt, sin, cos, tan, tanh, sinh, cosh, asin,
    acos, atan, abs, exp_m1, ln_1p, floor, ceil, round, recip, signum);
lanewise!(binary powf, atan2, hypot, max, min);
lanewise!(ternary mul_add, clamp);

/// `math::powi` lane by lane.
#[inline(always)]
pub fn powi(x: impl Into<Lanes>, n: i32) -> Lanes {
    x.into().map(|x| math::powi(x, n))
}

/// `__private::flushed_product` lane by lane.
#[inline(always)]
pub fn flushed_product(d: impl Into<Lanes>, y: impl Into<Lanes>) -> Lanes {
    let (d, y) = (d.into(), y.into());
    Lanes(core::array::from_fn(|l| {
        crate::__private::flushed_product(d.0[l], y.0[l])
    }))
}

/// A value the gradient of a one-pass loop can be summed in by lanes: `f32`, lanes, and arrays
/// of them.
pub trait HasLanes {
    /// The same shape with [`Lanes`] for each `f32`.
    type Lanes: Copy;
    /// Every lane of every element zero.
    fn zero_lanes() -> Self::Lanes;
    /// Adds the sum of each element's lanes into it.
    fn add_lane_sums(&mut self, lanes: &Self::Lanes);
}

impl HasLanes for f32 {
    type Lanes = Lanes;
    #[inline(always)]
    fn zero_lanes() -> Lanes {
        Lanes::ZERO
    }
    #[inline(always)]
    fn add_lane_sums(&mut self, lanes: &Lanes) {
        *self += lanes.0.iter().sum::<f32>();
    }
}

/// Lanes already (a local in lanes, whose adjoint is zeroed in its shape).
impl HasLanes for Lanes {
    type Lanes = Lanes;
    #[inline(always)]
    fn zero_lanes() -> Lanes {
        Lanes::ZERO
    }
    #[inline(always)]
    fn add_lane_sums(&mut self, lanes: &Lanes) {
        *self += *lanes;
    }
}

impl<T: HasLanes, const N: usize> HasLanes for [T; N] {
    type Lanes = [T::Lanes; N];
    #[inline(always)]
    fn zero_lanes() -> Self::Lanes {
        [T::zero_lanes(); N]
    }
    #[inline(always)]
    fn add_lane_sums(&mut self, lanes: &Self::Lanes) {
        for (x, l) in self.iter_mut().zip(lanes) {
            x.add_lane_sums(l);
        }
    }
}

/// An array of lanes, summed element by element.
pub trait LaneElements {
    /// The sum of the elements, lane by lane, in order (the adjoint of a repeat `[x; N]`).
    fn lane_sum(&self) -> Lanes;
}

impl LaneElements for Lanes {
    #[inline(always)]
    fn lane_sum(&self) -> Lanes {
        *self
    }
}

impl<T: LaneElements, const N: usize> LaneElements for [T; N] {
    #[inline(always)]
    fn lane_sum(&self) -> Lanes {
        let mut sum = Lanes::ZERO;
        for x in self {
            sum += x.lane_sum();
        }
        sum
    }
}

/// Zero lanes in the shape of `like` (the lanes of a local, or of its adjoint).
#[inline(always)]
pub fn zero_lanes_like<T: HasLanes>(_like: &T) -> T::Lanes {
    T::zero_lanes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lane_is_the_scalar_computation() {
        let x = Lanes([0.5, -1.0, 3.0, f32::INFINITY]);
        let y = (2.0 * x - 1.0) / x.map(math::exp) + exp(x);
        for l in 0..WIDTH {
            let s = x.0[l];
            let expected = (2.0 * s - 1.0) / math::exp(s) + math::exp(s);
            assert_eq!(y.0[l].to_bits(), expected.to_bits(), "lane {l}");
        }
    }

    #[test]
    fn masked_writes_keep_the_other_lanes_and_no_nan_leaks() {
        let x = Lanes([1.0, 2.0, 3.0, 4.0]);
        let m = gt(x, 2.5);
        assert_eq!(m, Mask([false, false, true, true]));
        let mut t = Lanes::ZERO;
        add_where(m, &mut t, Lanes([f32::NAN, f32::INFINITY, 1.0, 2.0]));
        assert_eq!(t, Lanes([0.0, 0.0, 1.0, 2.0]));
        set_where(!m, &mut t, 7.0);
        assert_eq!(t, Lanes([7.0, 7.0, 1.0, 2.0]));
        sub_where(m & gt(x, 3.5), &mut t, 2.0);
        assert_eq!(t, Lanes([7.0, 7.0, 1.0, 0.0]));
        assert!(!(m & !m).any() && (m | !m).any());
    }

    #[test]
    fn gradients_in_lanes_sum_into_their_scalars() {
        let mut grads = [[0.0f32; 2]; 3];
        let mut lanes = zero_lanes_like(&grads);
        lanes[2][1] += Lanes([1.0, 2.0, 3.0, 4.0]);
        grads.add_lane_sums(&lanes);
        assert_eq!(grads[2][1], 10.0);
        assert_eq!(grads[0][0], 0.0);
    }
}
