//! Regression tests: minimal reproducers of macro bugs found while writing the loop tests and by
//! the differential test (`tests/difftest.rs`), all fixed. The expected numbers are worked out
//! by hand.
// Some functions here are only called through their generated derivatives.
#![allow(dead_code)]
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use backprop::differentiable;

/// `m` ends as the largest element, so d m / d x is one-hot at the argmax.
#[differentiable]
fn running_max(x: &[f32; 3]) -> f32 {
    let mut m = x[0];
    for i in 1..3 {
        if x[i] > m {
            m = x[i];
        }
    }
    m
}

#[test]
fn branch_decisions_inside_loops() {
    let mut dx = [0.0; 3];
    assert_eq!(running_max_grad(&[1.0, 3.0, 2.0], &mut dx), 3.0);
    // The bug gave [1, 0, 0]: `took_branch` was one `bool` overwritten by every iteration
    // (now one entry per iteration, like the saved values), so the restore of `m` was skipped
    // when the last iteration did not branch.
    assert_eq!(dx, [0.0, 1.0, 0.0]);
}

/// `s` is read by the first loop, then overwritten by the second. The reverse sweep of the
/// first loop must see `s` as it was (`x2`), but it reads the final value (`x2 + x1`).
#[differentiable]
fn read_then_overwritten_in_a_later_loop(x0: f32, x1: f32, x2: f32) -> f32 {
    let mut s = x2;
    let mut t: [f32; 2] = [0.0; 2];
    for i in 0..2 {
        t[i] = x0 * s;
    }
    for _ in 0..1 {
        s += x1;
    }
    s + t[1]
}

#[test]
fn loop_read_then_overwritten_later() {
    // f = x2 + x1 + x0 * x2, so df/dx0 = x2 (the value `s` had in the first loop).
    let (v, d0, d1, d2) = read_then_overwritten_in_a_later_loop_grad(0.5, -1.5, 2.0);
    assert_eq!(v, 2.0 - 1.5 + 0.5 * 2.0);
    assert_eq!((d0, d1, d2), (2.0, 1.0, 1.5), "got {:?}", (d0, d1, d2));
}

/// A branch inside a loop: one arm updates `s` by a constant (`s -= 0.25`), the other overwrites
/// it (`s = s * 0.5`), and `s *= x2` follows. Found with seed 7 (program p1325).
#[differentiable]
#[allow(clippy::assign_op_pattern)] // The overwrite is the point: `s *= 0.5` is an update.
fn branch_arms_update_and_overwrite_in_a_loop(x0: f32, x1: f32, x2: f32) -> f32 {
    let mut s = x0;
    for i in 1..4 {
        if (i as f32) * x1 < x0 {
            s -= 0.25;
        } else {
            s = s * 0.5;
        }
        s *= x2;
    }
    s
}

#[test]
fn loop_branch_update_and_overwrite() {
    // At (0.7, 0.5, 0.4) the arms run then, else, else: f = (x0 - 0.25) * 0.25 * x2^3, so
    // df/dx2 = 0.75 * (x0 - 0.25) * x2^2 = 0.054 and df/dx0 = 0.25 * x2^3 = 0.016.
    let (v, d0, d1, d2) = branch_arms_update_and_overwrite_in_a_loop_grad(0.7, 0.5, 0.4);
    assert!((v - 0.45 * 0.25 * 0.064).abs() < 1e-6, "{v}");
    assert!((d0 - 0.016).abs() < 1e-6 && d1 == 0.0, "{d0} {d1}");
    assert!((d2 - 0.054).abs() < 1e-5, "df/dx2 = {d2}, expected 0.054");
}

#[test]
fn unused_array_call_compiles() {
    trybuild::TestCases::new().pass("tests/regressions/unused_array_call.rs");
}

/// Names the generated code uses for its own locals, as the user's: `s` (the binding of a given
/// optional shadow was `s`: with a loop variable `s`, `x[s]`'s gradient went to `s[s]`),
/// `shadow` (its name now), the loop merge's `result`, a raw keyword.
/// Each must stay the user's value; the optional shadows appear in `_fwd`, through `_vjp`.
#[differentiable]
fn named_like_generated_locals(w: &[f32; 2], x: &[f32; 2]) -> f32 {
    let scale = w[0] * 2.0;
    let shadow = x[1] + 1.0;
    let r#while = shadow * 1.0;
    let mut result = 0.0;
    for s in 0..2 {
        result += dot2(w, w) * x[s] * scale + r#while * w[s];
    }
    result
}

#[differentiable]
fn dot2(a: &[f32; 2], b: &[f32; 2]) -> f32 {
    a[0] * b[0] + a[1] * b[1]
}

#[test]
fn user_names_never_clash_with_generated_ones() {
    let (w, x) = ([0.5f32, -1.5], [2.0f32, 3.0]);
    let (mut d_w, mut d_x) = ([0.0; 2], [0.0; 2]);
    let value = named_like_generated_locals_vjp(&w, &mut d_w, &x, &mut d_x, 1.0);
    // f = |w|^2 * 2 w0 * (x0 + x1) + (x1 + 1)(w0 + w1)
    let (s, q) = (x[0] + x[1], w[0] * w[0] + w[1] * w[1]);
    assert_eq!(value, q * 2.0 * w[0] * s + (x[1] + 1.0) * (w[0] + w[1]));
    let d_w0 = 2.0 * w[0] * 2.0 * w[0] * s + q * 2.0 * s + (x[1] + 1.0);
    let d_w1 = 2.0 * w[1] * 2.0 * w[0] * s + (x[1] + 1.0);
    assert!(
        (d_w[0] - d_w0).abs() < 1e-5 && (d_w[1] - d_w1).abs() < 1e-5,
        "{d_w:?}"
    );
    let d_x = [d_x[0], d_x[1]];
    let want = [q * 2.0 * w[0], q * 2.0 * w[0] + w[0] + w[1]];
    assert!(
        (d_x[0] - want[0]).abs() < 1e-5 && (d_x[1] - want[1]).abs() < 1e-5,
        "{d_x:?}"
    );
}
