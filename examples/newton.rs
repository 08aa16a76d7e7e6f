//! Newton's method on the Rosenbrock function, with its Hessian from Hessian-vector products
//! (`#[differentiable(hvp)]` generates `rosenbrock_hvp`) and its gradient from `_grad`.
//!
//! From the classic start `(-1.2, 1)` Newton's method needs a handful of steps; near the
//! minimum at `(1, 1)` the error is squared at each step (quadratic convergence) until it
//! reaches `f32`'s resolution.
//!
//! ```sh
//! cargo run --release --example newton
//! ```

use backprop::differentiable;
use backprop::jacobian::hessian;

/// `(1 - x)^2 + 100 (y - x^2)^2`, minimal (0) at `(1, 1)`.
#[differentiable(hvp)]
fn rosenbrock(p: &[f32; 2]) -> f32 {
    let a = 1.0 - p[0];
    let b = p[1] - p[0] * p[0];
    a * a + 100.0 * b * b
}

/// Solves `h s = -g` for a 2x2 `h` by Cramer's rule.
fn newton_step(h: &[[f32; 2]; 2], g: &[f32; 2]) -> [f32; 2] {
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    [
        -(h[1][1] * g[0] - h[0][1] * g[1]) / det,
        -(h[0][0] * g[1] - h[1][0] * g[0]) / det,
    ]
}

fn main() {
    let mut p = [-1.2f32, 1.0];
    println!("step           x           y      f(x, y)    |grad f|   |p - (1, 1)|");
    for step in 0..=12 {
        let mut g = [0.0; 2];
        let f = rosenbrock_grad(&p, &mut g);
        let error = ((p[0] - 1.0).powi(2) + (p[1] - 1.0).powi(2)).sqrt();
        let g_norm = (g[0] * g[0] + g[1] * g[1]).sqrt();
        println!(
            "{step:>4} {:>11.7} {:>11.7} {f:>12.4e} {g_norm:>11.3e} {error:>14.3e}",
            p[0], p[1]
        );
        if g_norm == 0.0 || error < 1e-7 {
            break;
        }
        // Two HVPs, one per column: H e_0 and H e_1.
        let h = hessian(rosenbrock_hvp, &p);
        let s = newton_step(&h, &g);
        p = [p[0] + s[0], p[1] + s[1]];
    }
    assert!(
        (p[0] - 1.0).abs() < 1e-5 && (p[1] - 1.0).abs() < 1e-5,
        "converged to (1, 1)"
    );
    assert!(rosenbrock(&p) < 1e-10, "at the minimum");
}
