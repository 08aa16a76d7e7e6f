//! Loops reversed in one pass: a function-level loop adding into one scalar has each
//! iteration's reverse run right after it, into gradients scaled by the accumulator's adjoint
//! once it is known (`docs/design.md`). Each program is written twice, by default (one pass
//! where it fits) and with `loops = store` (a different reversal of the same loop), and both are
//! checked against each other and against central differences. The GMM checks one pass against
//! PyTorch (`loops::gmm_adbench`).
// Differentiable code indexes arrays in range loops: iterator chains are outside its subset.
#![allow(clippy::needless_range_loop)]

use crate::common::with_stored;
use crate::loops::programs::{assert_close, assert_fd};
use backprop::{differentiable, Tensor};

#[differentiable]
fn squared_error(w: &[f32; 3], x: &[f32; 3], y: f32) -> f32 {
    let mut z = 0.0;
    for i in 0..3 {
        z += w[i] * x[i];
    }
    let r = z.tanh() - y;
    r * r
}

// A mean: the accumulator's adjoint is `1 / N`, not 1, so the scaling is exercised; a call
// (its pullback kept for the iteration), a by-value scalar parameter and a branch in the loop.
with_stored!(
    mean_loss,
    mean_loss_stored,
    [wrt(w, b, k),],
    pub fn f<const N: usize>(w: &[f32; 3], b: f32, k: f32, x: &[[f32; 3]; N], y: &[f32; N]) -> f32 {
        let mut s = 0.0;
        for p in 0..N {
            let e = squared_error(w, &x[p], y[p] - b);
            if e > 0.05 {
                s += k * e;
            } else {
                s -= e * e;
            }
        }
        s / N as f32
    }
);

// Locals computed before the loop (their adjoints are among the loop's gradients), a by-value
// array parameter, and an output that is not linear in the accumulator.
with_stored!(
    prepared,
    prepared_stored,
    [wrt(w, c),],
    pub fn f<const N: usize>(w: [f32; 3], c: &[f32; 3], x: &[[f32; 3]; N]) -> f32 {
        let mut q = [0.0; 3];
        let mut scale = 0.0;
        for i in 0..3 {
            q[i] = (w[i] * c[i]).exp();
            scale += c[i] * c[i];
        }
        let mut s = 0.0;
        for p in 0..N {
            let mut z = 0.0;
            for i in 0..3 {
                z += q[i] * x[p][i] + w[i];
            }
            s += scale * z.sin();
        }
        (s * s + 1.0).ln()
    }
);

// Every parameter active, a literal trip count: the data's gradient is sized, and one pass.
with_stored!(
    literal,
    literal_stored,
    [],
    pub fn f(w: &[[f32; 3]; 2], x: &[f32; 3], y: &[f32; 2]) -> f32 {
        let mut loss = 0.0;
        for o in 0..2 {
            let mut z = 0.0;
            for i in 0..3 {
                z += w[o][i] * x[i];
            }
            let r = z.tanh() - y[o];
            loss += r * r;
        }
        loss
    }
);

const W: [f32; 3] = [0.4, -0.7, 0.25];
const X: [[f32; 3]; 5] = [
    [0.5, -1.0, 2.0],
    [1.5, 0.25, -0.5],
    [-0.75, 0.5, 1.0],
    [0.1, 0.2, 0.3],
    [2.0, -1.5, 0.5],
];
const Y: [f32; 5] = [0.3, -0.2, 0.9, 0.0, -0.6];

#[test]
fn a_mean_with_a_call_and_a_branch() {
    let (b, k) = (0.15, 1.7);
    let mut dw = [0.0; 3];
    let (v, db, dk) = mean_loss::f_grad(&W, &mut dw, b, k, &X, &Y);
    let mut sw = [0.0; 3];
    let (sv, sdb, sdk) = mean_loss_stored::f_grad(&W, &mut sw, b, k, &X, &Y);
    assert_eq!(v, mean_loss::f(&W, b, k, &X, &Y));
    assert_eq!(v, sv);
    assert_close("d_w, one pass against stored", &dw, &sw, 1e-6, 1e-7);
    assert_close("d_b, d_k", &[db, dk], &[sdb, sdk], 1e-6, 1e-7);
    assert_fd("d_w", &dw, &W, |w| mean_loss::f(w, b, k, &X, &Y));
    assert_fd("d_b", &[db], &b, |b| mean_loss::f(&W, *b, k, &X, &Y));
    assert_fd("d_k", &[dk], &k, |k| mean_loss::f(&W, b, *k, &X, &Y));
}

#[test]
fn shadows_accumulate_across_calls() {
    // the scaled gradients are added into the shadow, not written over it
    let (b, k) = (0.15, 1.7);
    let mut once = [0.0; 3];
    mean_loss::f_grad(&W, &mut once, b, k, &X, &Y);
    let mut twice = [0.0; 3];
    mean_loss::f_grad(&W, &mut twice, b, k, &X, &Y);
    mean_loss::f_grad(&W, &mut twice, b, k, &X, &Y);
    let doubled: Vec<f32> = once.iter().map(|g| 2.0 * g).collect();
    assert_close("two calls", &twice, &doubled, 1e-6, 0.0);
}

#[test]
fn split_mode_agrees() {
    // `_fwd` may be asked for every gradient (here the data's too), so it replays the loop
    let (b, k) = (0.15, 1.7);
    let mut dw = [0.0; 3];
    let (_, db, dk) = mean_loss::f_grad(&W, &mut dw, b, k, &X, &Y);
    let (mut vw, mut vx, mut vy) = ([0.0; 3], [[0.0; 3]; 5], [0.0; 5]);
    let (value, pullback) = mean_loss::f_fwd(&W, b, k, &X, &Y);
    assert_eq!(value, mean_loss::f(&W, b, k, &X, &Y));
    let (vb, vk) = pullback(
        &W,
        Some(&mut vw),
        b,
        k,
        &X,
        Some(&mut vx),
        &Y,
        Some(&mut vy),
        0.5,
    );
    let halved: Vec<f32> = dw.iter().map(|g| 0.5 * g).collect();
    assert_close("d_w from the pullback", &vw, &halved, 1e-6, 1e-7);
    assert_close("d_b, d_k", &[vb, vk], &[0.5 * db, 0.5 * dk], 1e-6, 1e-7);
    assert_fd("d_x", vx.map(|r| r.map(|g| 2.0 * g)).flat(), &X, |x| {
        mean_loss::f(&W, b, k, x, &Y)
    });
}

#[test]
fn locals_before_the_loop_and_a_by_value_array() {
    let c = [0.3, -0.4, 0.8];
    let mut dc = [0.0; 3];
    let (v, dw) = prepared::f_grad(W, &c, &mut dc, &X);
    let mut sc = [0.0; 3];
    let (sv, sw) = prepared_stored::f_grad(W, &c, &mut sc, &X);
    assert_eq!(v, sv);
    assert_close("d_w, one pass against stored", &dw, &sw, 1e-5, 1e-7);
    assert_close("d_c, one pass against stored", &dc, &sc, 1e-5, 1e-7);
    assert_fd("d_w", &dw, &W, |w| prepared::f(*w, &c, &X));
    assert_fd("d_c", &dc, &c, |c| prepared::f(W, c, &X));
}

#[test]
fn every_parameter_active_with_a_literal_trip_count() {
    let w = [[0.5, -0.25, 0.75], [-1.0, 0.3, 0.2]];
    let (x, y) = ([0.4, -0.6, 1.1], [0.2, -0.5]);
    let (mut dw, mut dx, mut dy) = ([[0.0; 3]; 2], [0.0; 3], [0.0; 2]);
    let v = literal::f_grad(&w, &mut dw, &x, &mut dx, &y, &mut dy);
    let (mut sw, mut sx, mut sy) = ([[0.0; 3]; 2], [0.0; 3], [0.0; 2]);
    let sv = literal_stored::f_grad(&w, &mut sw, &x, &mut sx, &y, &mut sy);
    assert_eq!(v, sv);
    assert_close("d_w", dw.flat(), sw.flat(), 1e-6, 1e-7);
    assert_close("d_x", &dx, &sx, 1e-6, 1e-7);
    assert_close("d_y", &dy, &sy, 1e-6, 1e-7);
    assert_fd("d_w", dw.flat(), &w, |w| literal::f(w, &x, &y));
    assert_fd("d_x", &dx, &x, |x| literal::f(&w, x, &y));
    assert_fd("d_y", &dy, &y, |y| literal::f(&w, &x, y));
}

// In f64: the gradients and the unit adjoint take the function's float type.
#[differentiable(wrt(c))]
fn weighted_f64<const N: usize>(c: &[f64; 3], x: &[[f64; 3]; N]) -> f64 {
    let mut s = 0.0;
    for p in 0..N {
        let mut z = 0.0;
        for i in 0..3 {
            z += c[i] * x[p][i];
        }
        s += (z * z + 1.0).sqrt();
    }
    s / N as f64
}

#[test]
fn in_f64() {
    let c = [0.3, -0.4, 0.8];
    let x = X.map(|r| r.map(f64::from));
    let mut dc = [0.0; 3];
    let v = weighted_f64_grad(&c, &mut dc, &x);
    assert_eq!(v, weighted_f64(&c, &x));
    for i in 0..3 {
        let h = 1e-6;
        let (mut plus, mut minus) = (c, c);
        plus[i] += h;
        minus[i] -= h;
        let fd = (weighted_f64(&plus, &x) - weighted_f64(&minus, &x)) / (2.0 * h);
        assert!(
            (dc[i] - fd).abs() <= 1e-8 * (1.0 + fd.abs()),
            "d_c[{i}]: {} against {fd}",
            dc[i]
        );
    }
}

#[differentiable]
fn centred_norm(xc: &[f32; 3], w: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        s += w[i] * xc[i] * xc[i];
    }
    s.sqrt()
}

// A local declared before the loop, written afresh in each iteration and passed to a call
// after the write: the call's pullback for each point reads that point's `xc`, and the loop's
// last `xc` is read after it, so the writes' saves must stay where they are read.
with_stored!(
    buffer_before_the_loop,
    buffer_before_the_loop_stored,
    [wrt(m, w),],
    pub fn f<const N: usize>(m: &[f32; 3], w: &[f32; 3], x: &[[f32; 3]; N]) -> f32 {
        let mut xc = [0.0; 3];
        let mut s = 0.0;
        for p in 0..N {
            for i in 0..3 {
                xc[i] = x[p][i] - m[i];
            }
            s += centred_norm(&xc, w);
        }
        s + xc[0] * xc[1]
    }
);

#[test]
fn a_buffer_before_the_loop_read_by_a_call() {
    let w = [0.5, 1.5, 0.75];
    let m = [0.1, -0.2, 0.3];
    let (mut dm, mut dw) = ([0.0; 3], [0.0; 3]);
    let v = buffer_before_the_loop::f_grad(&m, &mut dm, &w, &mut dw, &X);
    let (mut sm, mut sw) = ([0.0; 3], [0.0; 3]);
    let sv = buffer_before_the_loop_stored::f_grad(&m, &mut sm, &w, &mut sw, &X);
    assert_eq!(v, buffer_before_the_loop::f(&m, &w, &X));
    assert_eq!(v, sv);
    assert_close("d_m, one pass against stored", &dm, &sm, 1e-5, 1e-7);
    assert_close("d_w, one pass against stored", &dw, &sw, 1e-5, 1e-7);
    assert_fd("d_m", &dm, &m, |m| buffer_before_the_loop::f(m, &w, &X));
    assert_fd("d_w", &dw, &w, |w| buffer_before_the_loop::f(&m, w, &X));
}
