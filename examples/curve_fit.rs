//! Nonlinear least squares by Levenberg-Marquardt: fit `y = a exp(-b t) + c` to 20 noisy
//! points, with the Jacobian of the residuals from forward mode (`residuals_jvpk`, one pass
//! carrying the 3 parameters' tangents, where reverse mode would need 20 passes).
//!
//! ```sh
//! cargo run --release --example curve_fit
//! ```

use backprop::differentiable;
use backprop::jacobian::jacobian_fwd;

const M: usize = 20;

/// The residuals `a exp(-b t_i) + c - y_i` of the model with parameters `p = (a, b, c)`.
#[differentiable(jvp)]
fn residuals(p: &[f32; 3], t: &[f32; M], y: &[f32; M]) -> [f32; M] {
    let mut r = [0.0; M];
    for i in 0..M {
        r[i] = p[0] * (-p[1] * t[i]).exp() + p[2] - y[i];
    }
    r
}

/// Solves the 3x3 system `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: [[f32; 3]; 3], mut b: [f32; 3]) -> [f32; 3] {
    for col in 0..3 {
        let pivot = (col..3)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..3 {
            let factor = a[row][col] / a[col][col];
            let pivot_row = a[col];
            for (x, p) in a[row].iter_mut().zip(pivot_row).skip(col) {
                *x -= factor * p;
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let tail: f32 = (row + 1..3).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - tail) / a[row][row];
    }
    x
}

fn cost(r: &[f32; M]) -> f32 {
    0.5 * r.iter().map(|r| r * r).sum::<f32>()
}

fn main() {
    // Data from a = 2.5, b = 1.3, c = 0.5, with deterministic noise of about 1%.
    let truth = [2.5f32, 1.3, 0.5];
    let t: [f32; M] = core::array::from_fn(|i| i as f32 * 0.2);
    let y: [f32; M] = core::array::from_fn(|i| {
        let noise = 0.02 * ((i * 7919 % 13) as f32 / 6.0 - 1.0);
        truth[0] * (-truth[1] * t[i]).exp() + truth[2] + noise
    });
    // The data are constants: their tangents are zero.
    let zero = [0.0f32; M];
    let jvpk = |p: &[f32; 3], p_dot: [&[f32; 3]; 3]| {
        residuals_jvpk(p, p_dot, &t, [&zero; 3], &y, [&zero; 3])
    };

    let mut p = [1.0f32, 0.5, 0.0];
    let mut lambda = 1e-3f32;
    println!("iter        a        b        c        cost    lambda");
    for iter in 0..50 {
        let r = residuals(&p, &t, &y);
        let c = cost(&r);
        println!(
            "{iter:>4} {:>8.4} {:>8.4} {:>8.4} {c:>11.4e} {lambda:>9.1e}",
            p[0], p[1], p[2]
        );
        let j = jacobian_fwd(jvpk, &p); // [[dr_i / dp_k; 3]; M]
                                        // Normal equations with Marquardt's scaling: (J^T J + lambda diag(J^T J)) s = -J^T r.
        let mut jtj = [[0.0f32; 3]; 3];
        let mut jtr = [0.0f32; 3];
        for (row, ri) in j.iter().zip(&r) {
            for a in 0..3 {
                jtr[a] += row[a] * ri;
                for b in 0..3 {
                    jtj[a][b] += row[a] * row[b];
                }
            }
        }
        if jtr.iter().all(|g| g.abs() < 1e-6) {
            break;
        }
        let mut damped = jtj;
        for (k, row) in damped.iter_mut().enumerate() {
            row[k] *= 1.0 + lambda;
        }
        let s = solve(damped, jtr.map(|g| -g));
        let trial = [p[0] + s[0], p[1] + s[1], p[2] + s[2]];
        let trial_cost = cost(&residuals(&trial, &t, &y));
        if trial_cost < c {
            p = trial;
            lambda = (lambda / 10.0).max(1e-7);
            if (c - trial_cost) <= 1e-7 * c {
                break;
            }
        } else {
            lambda *= 10.0;
        }
    }
    println!(
        "fitted a = {:.4}, b = {:.4}, c = {:.4} (data from {truth:?})",
        p[0], p[1], p[2]
    );
    for (got, want) in p.iter().zip(truth) {
        assert!((got - want).abs() < 0.05, "the fit recovers the parameters");
    }
}
