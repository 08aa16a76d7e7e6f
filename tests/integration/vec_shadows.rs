//! `&Vec` parameters (data of run-time length): the gradient against central differences, and
//! a shadow of the wrong length reported by a message naming the parameter, in `_grad`, `_vjp`
//! and the pullback of `_fwd`, not by an out-of-bounds index inside generated code.
// The subject is `&Vec` parameters (a slice would be refused), indexed in range loops.
#![allow(clippy::ptr_arg, clippy::needless_range_loop)]

use crate::loops::programs::assert_close;
use backprop::differentiable;

/// A loss over a dataset of pairs whose length `n` is known at run time.
#[differentiable]
fn pair_loss(xs: &Vec<[f32; 2]>, n: usize, w: f32) -> f32 {
    let mut s = 0.0;
    for i in 0..n {
        let e = w * xs[i][0] - xs[i][1];
        s += e * e;
    }
    s
}

fn data() -> Vec<[f32; 2]> {
    vec![[0.5, 1.0], [-1.5, 0.25], [2.0, -0.75]]
}

#[test]
fn gradient_over_data_of_run_time_length() {
    let xs = data();
    let mut dxs = vec![[0.0; 2]; 3];
    let (v, dw) = pair_loss_grad(&xs, &mut dxs, 3, 0.8);
    assert_close("value", &[v], &[pair_loss(&xs, 3, 0.8)], 0.0, 0.0);
    let eps = 1e-2;
    let fd = (pair_loss(&xs, 3, 0.8 + eps) - pair_loss(&xs, 3, 0.8 - eps)) / (2.0 * eps);
    assert_close("d_w", &[dw], &[fd], 1e-3, 1e-3);
    for i in 0..3 {
        for j in 0..2 {
            let (mut plus, mut minus) = (xs.clone(), xs.clone());
            plus[i][j] += eps;
            minus[i][j] -= eps;
            let fd = (pair_loss(&plus, 3, 0.8) - pair_loss(&minus, 3, 0.8)) / (2.0 * eps);
            assert_close(&format!("d_xs[{i}][{j}]"), &[dxs[i][j]], &[fd], 1e-3, 1e-3);
        }
    }
}

#[test]
#[should_panic(expected = "the shadow `d_xs` has length 2 where `xs` has length 3")]
fn a_short_shadow_is_named_by_grad() {
    let mut dxs = vec![[0.0; 2]; 2];
    pair_loss_grad(&data(), &mut dxs, 3, 0.8);
}

#[test]
#[should_panic(expected = "the shadow `d_xs` has length 4 where `xs` has length 3")]
fn a_long_shadow_is_named_by_vjp() {
    let mut dxs = vec![[0.0; 2]; 4];
    pair_loss_vjp(&data(), &mut dxs, 3, 0.8, 1.0);
}

#[test]
#[should_panic(expected = "the shadow `d_xs` has length 1 where `xs` has length 3")]
fn a_short_shadow_is_named_by_the_pullback() {
    let xs = data();
    let (_value, pullback) = pair_loss_fwd(&xs, 3, 0.8);
    let mut dxs = vec![[0.0; 2]; 1];
    pullback(&xs, Some(&mut dxs), 3, 0.8, 1.0);
}
