//! One-pass loops run in lanes: four points at a time, the last `N % 4` one at a time, and
//! loops of fewer than `MIN_LEN` (8) points one at a time (`docs/design.md`, "Points in
//! lanes"). Each program is written twice, by default (in lanes) and with `loops = store`
//! (every point kept, no lanes), and checked against each other, against central differences,
//! and for the value, bit for bit against the plain function, at trip counts with and without
//! a remainder, below `MIN_LEN`, and zero.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use crate::common::with_stored;
use crate::loops::programs::{assert_close, assert_fd_step};
use backprop::differentiable;

// Branches on each point's data: a running maximum, an `if`/`else` with a nested `if`, writes
// into the accumulator under a mask (`+=` and `-=`), derivatives that select (`abs`, `max`), a
// binary maths call with one argument the same in every lane, `powi`, the loop's variable as a
// float, a local array from a list, and a loop variable named `lane` (the name of a lane in the
// generated code is fresh).
with_stored!(
    branchy,
    branchy_stored,
    [wrt(w, c),],
    pub fn f<const N: usize>(w: &[f32; 3], c: f32, x: &[[f32; 3]; N]) -> f32 {
        let mut s = 0.0;
        for p in 0..N {
            let mut h = [0.0; 3];
            for lane in 0..3 {
                h[lane] = (w[lane] * x[p][lane] + c).tanh();
            }
            let pair: [f32; 2] = [h[0] * h[1], h[2].abs()];
            let mut m = h[0];
            for i in 1..3 {
                if h[i] > m {
                    m = h[i];
                }
            }
            let first = x[p][0];
            if m > 0.2 {
                s += m * pair[0] + w[0].hypot(h[1]);
                if first < 0.0 {
                    s -= pair[1].powi(3);
                }
            } else {
                s -= (h[1] - c).max(h[2]) * 0.5;
            }
            s += p as f32 * 0.01 * h[2];
        }
        s
    }
);

// Nothing the iteration computes depends on the point: every lane adds the same.
with_stored!(
    uniform,
    uniform_stored,
    [wrt(w),],
    pub fn f<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N]) -> f32 {
        let mut s = x[0][0];
        for _ in 0..N {
            s += (w[0] * w[1]).tanh() - w[2];
        }
        s
    }
);

/// `N` points spread over both sides of each branch.
fn points<const N: usize>() -> [[f32; 3]; N] {
    core::array::from_fn(|p| core::array::from_fn(|i| (1.7 * (p * 3 + i) as f32 + 0.3).sin() * 1.5))
}

const W: [f32; 3] = [0.9, -1.3, 0.6];
const C: f32 = 0.15;

fn branchy_at<const N: usize>() {
    let x = points::<N>();
    let mut dw = [0.0; 3];
    let (v, dc) = branchy::f_grad(&W, &mut dw, C, &x);
    let mut sw = [0.0; 3];
    let (sv, sdc) = branchy_stored::f_grad(&W, &mut sw, C, &x);
    let plain = branchy::f(&W, C, &x);
    assert_eq!(v.to_bits(), plain.to_bits(), "N = {N}: the value in lanes");
    assert_eq!(
        v.to_bits(),
        sv.to_bits(),
        "N = {N}: in lanes against stored"
    );
    assert_close(&format!("N = {N}: d_w"), &dw, &sw, 1e-5, 1e-6);
    assert_close(&format!("N = {N}: d_c"), &[dc], &[sdc], 1e-5, 1e-6);
    assert_fd_step("d_w", &dw, &W, 1e-3, |w| branchy::f(w, C, &x));
    assert_fd_step("d_c", &[dc], &C, 1e-3, |c| branchy::f(&W, *c, &x));
}

#[test]
fn branches_on_the_points_in_blocks_and_a_remainder() {
    // in lanes from `MIN_LEN` = 8 points: two blocks and a remainder, four blocks, two
    branchy_at::<9>();
    branchy_at::<16>();
    branchy_at::<8>();
    // one point at a time
    branchy_at::<7>();
    branchy_at::<1>();
}

#[test]
fn no_points() {
    let x: [[f32; 3]; 0] = [];
    let mut dw = [0.0; 3];
    let (v, dc) = branchy::f_grad(&W, &mut dw, C, &x);
    assert_eq!((v, dc, dw), (0.0, 0.0, [0.0; 3]));
}

#[test]
fn the_same_in_every_lane_counts_once_per_point() {
    let x = points::<11>();
    let mut dw = [0.0; 3];
    let v = uniform::f_grad(&W, &mut dw, &x);
    let mut sw = [0.0; 3];
    let sv = uniform_stored::f_grad(&W, &mut sw, &x);
    assert_eq!(v.to_bits(), uniform::f(&W, &x).to_bits());
    assert_eq!(v.to_bits(), sv.to_bits());
    assert_close("d_w", &dw, &sw, 1e-6, 1e-7);
    assert_fd_step("d_w", &dw, &W, 1e-3, |w| uniform::f(w, &x));
}

// Second order beside lanes: `_hvp` (its tangent program's loop is replayed, one point at a
// time) against central differences of `_grad`, which runs the 13 points in lanes.
#[differentiable(wrt(w), hvp)]
fn smooth<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N]) -> f32 {
    let mut s = 0.0;
    for p in 0..N {
        let mut z = 0.0;
        for i in 0..3 {
            z += w[i] * x[p][i];
        }
        s += (z * z + 1.0).ln() + (w[0] * x[p][1]).sin();
    }
    s
}

#[test]
fn second_order_against_the_gradient_in_lanes() {
    let x = points::<13>();
    let still = [[0.0; 3]; 13];
    let v = [0.5, -0.25, 1.0];
    let grad = |w: &[f32; 3], d_w: &mut [f32; 3]| smooth_grad(w, d_w, &x);
    let hvp = |w: &[f32; 3], v: &[f32; 3], hv: &mut [f32; 3]| smooth_hvp(w, v, hv, &x, &still);
    backprop::jvpcheck::check_hvp(grad, hvp, &W, &v, backprop::gradcheck::Tolerance::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let value = smooth_grad(&W, &mut [0.0; 3], &x);
    assert_eq!(value.to_bits(), smooth(&W, &x).to_bits());
}
