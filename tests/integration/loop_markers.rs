//! `#[loops = store | recompute]` on one loop: it chooses that loop's reversal, overriding the
//! function's `loops = ...` and the cost model, and leaves the other loops to them. Each marked
//! program is checked against the same program unmarked and against central differences, and
//! the replayed marker against a small stack it would overflow if stored.
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use crate::loops::programs::{assert_close, assert_fd};
use backprop::differentiable;

// Two data loops in one function: the first stored, the second replayed, where the cost model
// reverses both in one pass (each adds into one scalar). With `hvp`: the tangent program keeps
// the markers.
#[differentiable(hvp)]
fn two_loops(w: &[f32; 4], x: &[[f32; 4]; 6]) -> f32 {
    let mut s = 0.0;
    #[loops = store]
    for p in 0..6 {
        let mut d = 0.0;
        for i in 0..4 {
            d += w[i] * x[p][i];
        }
        s += d.tanh();
    }
    let mut t = 0.0;
    #[loops = recompute]
    for p in 0..6 {
        t += (w[p % 4] * x[p][0]).sin() + w[3] * x[p][3];
    }
    s * t + s
}

// only its gradient is used, against the marked one's
#[allow(dead_code)]
#[differentiable]
fn two_loops_unmarked(w: &[f32; 4], x: &[[f32; 4]; 6]) -> f32 {
    let mut s = 0.0;
    for p in 0..6 {
        let mut d = 0.0;
        for i in 0..4 {
            d += w[i] * x[p][i];
        }
        s += d.tanh();
    }
    let mut t = 0.0;
    for p in 0..6 {
        t += (w[p % 4] * x[p][0]).sin() + w[3] * x[p][3];
    }
    s * t + s
}

// A marker overrides the function's `loops = ...`: this loop is stored although the function
// asks for every loop to be replayed.
#[differentiable(loops = recompute)]
fn stored_under_recompute(w: &[f32; 4], x: &[[f32; 4]; 6]) -> f32 {
    let mut s = 0.0;
    #[loops = store]
    for p in 0..6 {
        let mut d = 0.0;
        for i in 0..4 {
            d += w[i] * x[p][i];
        }
        s += d * d;
    }
    let mut m = 0.0;
    for p in 0..6 {
        m += x[p][1] * w[1];
    }
    s.sqrt() + m
}

const W: [f32; 4] = [0.4, -0.7, 0.25, 1.1];
const X: [[f32; 4]; 6] = [
    [0.5, -1.0, 2.0, 0.3],
    [1.5, 0.25, -0.5, -0.8],
    [-0.75, 0.5, 1.0, 0.6],
    [0.1, 0.2, 0.3, 0.4],
    [2.0, -1.5, 0.5, -0.2],
    [-0.3, 0.9, -1.2, 0.7],
];

#[test]
fn markers_choose_per_loop_and_keep_the_gradient() {
    let (mut dw, mut dx) = ([0.0; 4], [[0.0; 4]; 6]);
    let v = two_loops_grad(&W, &mut dw, &X, &mut dx);
    let (mut uw, mut ux) = ([0.0; 4], [[0.0; 4]; 6]);
    let u = two_loops_unmarked_grad(&W, &mut uw, &X, &mut ux);
    assert_eq!(v, two_loops(&W, &X));
    assert_eq!(v, u);
    assert_close("d_w, marked against unmarked", &dw, &uw, 1e-6, 1e-7);
    assert_close(
        "d_x, marked against unmarked",
        dx.as_flattened(),
        ux.as_flattened(),
        1e-6,
        1e-7,
    );
    assert_fd("d_w", &dw, &W, |w| two_loops(w, &X));
    assert_fd("d_x", dx.as_flattened(), &X, |x| two_loops(&W, x));
    // split mode and the vjp go through the same plan
    let (value, pullback) = two_loops_fwd(&W, &X);
    assert_eq!(value, v);
    let (mut pw, mut px) = ([0.0; 4], [[0.0; 4]; 6]);
    pullback(&W, Some(&mut pw), &X, Some(&mut px), 1.0);
    assert_close("pullback d_w", &pw, &dw, 1e-6, 1e-7);
    assert_close(
        "pullback d_x",
        px.as_flattened(),
        dx.as_flattened(),
        1e-6,
        1e-7,
    );
}

#[test]
fn a_marker_overrides_the_functions_loops() {
    let (mut dw, mut dx) = ([0.0; 4], [[0.0; 4]; 6]);
    let v = stored_under_recompute_grad(&W, &mut dw, &X, &mut dx);
    assert_eq!(v, stored_under_recompute(&W, &X));
    assert_fd("d_w", &dw, &W, |w| stored_under_recompute(w, &X));
    assert_fd("d_x", dx.as_flattened(), &X, |x| {
        stored_under_recompute(&W, x)
    });
}

/// Points of a data set, `N` known only to rustc: the cost model counts a const generic as 1
/// and stores the loop (it adds into two accumulators, so one pass does not apply), which at
/// `N` = 100,000 is a 400 KB buffer (`tanh` of every point). The marker replays it instead.
#[differentiable(wrt(w))]
fn dataset_loss<const N: usize>(w: &[f32; 3], x: &[[f32; 3]; N]) -> f32 {
    let mut s = 0.0;
    let mut q = 0.0;
    #[loops = recompute]
    for p in 0..N {
        let z = w[0] * x[p][0] + w[1] * x[p][1] + w[2] * x[p][2];
        let h = z.tanh();
        s += h;
        q += h * h;
    }
    q / N as f32 - (s / N as f32) * (s / N as f32)
}

#[test]
fn a_replayed_marker_bounds_the_stack() {
    const N: usize = 100_000;
    let x: Box<[[f32; 3]; N]> = (0..N)
        .map(|p| {
            let t = p as f32 / N as f32;
            [t, (7.0 * t).sin(), 1.0 - 2.0 * t]
        })
        .collect::<Vec<_>>()
        .try_into()
        .expect("N points");
    let grad = std::thread::Builder::new()
        // storing the loop would need 400 KB for its buffer alone
        .stack_size(256 << 10)
        .spawn(move || {
            let mut dw = [0.0; 3];
            let v = dataset_loss_grad(&W3, &mut dw, &x);
            assert!(v.is_finite());
            let fd = |w: &[f32; 3]| dataset_loss(w, &x);
            assert_fd("d_w", &dw, &W3, fd);
            dw
        })
        .expect("spawn")
        .join()
        .expect("the gradient runs on a 256 KiB stack");
    assert!(grad.iter().any(|g| *g != 0.0));
}

const W3: [f32; 3] = [0.6, -0.4, 0.3];

#[test]
fn hvp_of_a_marked_function() {
    // The tangent program keeps the markers: `_hvp` of `two_loops` in `w` (the data held: its
    // tangent is zero), against differences of its gradient.
    let still = [[0.0; 4]; 6];
    let grad = |w: &[f32; 4], g: &mut [f32; 4]| two_loops_grad(w, g, &X, &mut [[0.0; 4]; 6]);
    let hvp = |w: &[f32; 4], v: &[f32; 4], hv: &mut [f32; 4]| {
        two_loops_hvp(w, v, hv, &X, &still, &mut [[0.0; 4]; 6])
    };
    let v = [0.3, -0.5, 0.8, 0.1];
    backprop::jvpcheck::check_hvp(grad, hvp, &W, &v, backprop::gradcheck::Tolerance::default())
        .unwrap_or_else(|e| panic!("two_loops: {e:?}"));
    let mut hv = [0.0; 4];
    let value = two_loops_hvp(&W, &v, &mut hv, &X, &still, &mut [[0.0; 4]; 6]);
    assert_eq!(value, two_loops(&W, &X));
}
