//! The hand-written gradients `benches/scalar_grad` compares against agree with the generated
//! ones (two independent derivations of the same maths), and both with central differences.

#[path = "../../benches/scalar_grad/functions.rs"]
mod functions;

use functions::*;

/// Equal up to float rounding in a different order of operations.
fn assert_close(got: f32, want: f32, what: &str) {
    let tol = 1e-5 * (1.0 + want.abs());
    assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
}

/// Central difference of a function of one f32; the step balances truncation and rounding.
fn central(f: impl Fn(f32) -> f32, at: f32) -> f32 {
    let eps = 2e-3f32;
    (f(at + eps) - f(at - eps)) / (2.0 * eps)
}

fn assert_near_numeric(got: f32, numeric: f32, what: &str) {
    assert!(
        (got - numeric).abs() <= 2e-3 * (1.0 + numeric.abs()),
        "{what}: {got} vs central difference {numeric}"
    );
}

#[test]
fn tutorial_loss_gradients_agree() {
    for (w, x, y) in [
        (1.0, 1.0, 2.0),
        (1.02, 2.0, 4.0),
        (-0.7, 3.0, 6.0),
        (2.5, -1.5, 0.3),
    ] {
        let (v, dw) = tutorial_loss_grad(w, x, y);
        let (hv, hdw) = tutorial_loss_grad_by_hand(w, x, y);
        assert_close(v, tutorial_loss(w, x, y), "value");
        assert_close(hv, v, "hand-written value");
        assert_close(hdw, dw, "d/dw");
        assert_near_numeric(dw, central(|w| tutorial_loss(w, x, y), w), "d/dw");
    }
}

#[test]
fn expression_gradients_agree() {
    for (x, y) in [(0.3, -0.7), (1.2, 0.4), (-2.0, 1.5), (0.0, 0.0)] {
        let (v, dx, dy) = expression_grad(x, y);
        let (hv, hdx, hdy) = expression_grad_by_hand(x, y);
        assert_close(v, expression(x, y), "value");
        assert_close(hv, v, "hand-written value");
        assert_close(hdx, dx, "d/dx");
        assert_close(hdy, dy, "d/dy");
        assert_near_numeric(dx, central(|x| expression(x, y), x), "d/dx");
        assert_near_numeric(dy, central(|y| expression(x, y), y), "d/dy");
    }
}

#[test]
fn recurrence_gradients_agree() {
    let x = RECURRENCE_X;
    for w in [0.7, -1.3, 0.0, 2.0] {
        let (mut d_x, mut hd_x) = ([0.0; 6], [0.0; 6]);
        let (v, dw) = recurrence_grad(w, &x, &mut d_x);
        let (hv, hdw) = recurrence_grad_by_hand(w, &x, &mut hd_x);
        assert_close(v, recurrence(w, &x), "value");
        assert_close(hv, v, "hand-written value");
        assert_close(hdw, dw, "d/dw");
        assert_near_numeric(dw, central(|w| recurrence(w, &x), w), "d/dw");
        for i in 0..6 {
            assert_close(hd_x[i], d_x[i], "d/dx");
            let numeric = central(
                |xi| {
                    let mut x = x;
                    x[i] = xi;
                    recurrence(w, &x)
                },
                x[i],
            );
            assert_near_numeric(d_x[i], numeric, "d/dx");
        }
    }
}

#[test]
fn dense_gradients_agree() {
    let (w, b, x, y) = dense_inputs();
    let (mut d_w, mut d_b) = ([[0.0; IN]; OUT], [0.0; OUT]);
    let (mut hd_w, mut hd_b) = ([[0.0; IN]; OUT], [0.0; OUT]);
    let v = dense_loss_grad(&w, &mut d_w, &b, &mut d_b, &x, &y);
    let hv = dense_loss_grad_by_hand(&w, &mut hd_w, &b, &mut hd_b, &x, &y);
    assert_close(v, dense_loss(&w, &b, &x, &y), "value");
    assert_close(hv, v, "hand-written value");
    for o in 0..OUT {
        assert_close(hd_b[o], d_b[o], "d/db");
        let numeric = central(
            |bo| {
                let mut b = b;
                b[o] = bo;
                dense_loss(&w, &b, &x, &y)
            },
            b[o],
        );
        assert_near_numeric(d_b[o], numeric, "d/db");
        for i in 0..IN {
            assert_close(hd_w[o][i], d_w[o][i], "d/dw");
            let numeric = central(
                |woi| {
                    let mut w = w;
                    w[o][i] = woi;
                    dense_loss(&w, &b, &x, &y)
                },
                w[o][i],
            );
            assert_near_numeric(d_w[o][i], numeric, "d/dw");
        }
    }
}

#[test]
fn shadows_accumulate() {
    // Both conventions add into the shadow: a second call doubles it.
    let (w, b, x, y) = dense_inputs();
    let (mut d_w, mut d_b) = ([[0.0; IN]; OUT], [0.0; OUT]);
    dense_loss_grad(&w, &mut d_w, &b, &mut d_b, &x, &y);
    let once = d_b;
    dense_loss_grad(&w, &mut d_w, &b, &mut d_b, &x, &y);
    let (mut hd_w, mut hd_b) = ([[0.0; IN]; OUT], [0.0; OUT]);
    dense_loss_grad_by_hand(&w, &mut hd_w, &b, &mut hd_b, &x, &y);
    dense_loss_grad_by_hand(&w, &mut hd_w, &b, &mut hd_b, &x, &y);
    for o in 0..OUT {
        assert_eq!(d_b[o], 2.0 * once[o]);
        assert_close(hd_b[o], d_b[o], "d/db twice");
    }
}
