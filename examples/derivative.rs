//! Derivatives of scalar functions, the first thing every autograd tutorial shows.
//!
//! PyTorch:
//!
//! ```python
//! x = torch.tensor(1.0, requires_grad=True)
//! y = x ** 3
//! y.backward()
//! print(x.grad)  # tensor(3.)
//! ```
//!
//! Here `#[differentiable]` writes `cube_grad` at compile time; calling it is the whole of
//! "forward, then backward". Each line also prints the derivative worked out by hand.
//!
//! Run with `cargo run --example derivative`.

use backprop::differentiable;

/// y = x³, so dy/dx = 3x².
#[differentiable]
fn cube(x: f32) -> f32 {
    x * x * x
}

/// y = x·sin x, so dy/dx = sin x + x·cos x.
#[differentiable]
fn x_sin_x(x: f32) -> f32 {
    x.sin() * x
}

/// z = (xy)² + eʸ, so ∂z/∂x = 2xy² and ∂z/∂y = 2x²y + eʸ.
#[differentiable]
fn two_vars(x: f32, y: f32) -> f32 {
    (x * y).powi(2) + y.exp()
}

/// softplus(x) = ln(1 + eˣ), so its derivative is the logistic sigmoid 1 / (1 + e⁻ˣ).
///
/// Written the numerically stable way: for large x, eˣ overflows, but
/// ln(1 + eˣ) = x + ln(1 + e⁻ˣ) does not.
#[differentiable]
fn softplus(x: f32) -> f32 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

fn main() {
    // The tutorial's example: y = x³ at x = 1.
    let (y, dy_dx) = cube_grad(1.0);
    assert_eq!(y, cube(1.0)); // `_grad` returns the value too
    println!("x = 1, y = x^3 = {y}");
    println!("x.grad = {dy_dx}"); // 3

    println!();
    let x = 2.0f32;
    let (_, dx) = x_sin_x_grad(x);
    println!(
        "f(x) = sin(x) * x at x = {x}: f = {}, df/dx = {dx}",
        x_sin_x(x)
    );
    println!("    by hand: sin(x) + x cos(x) = {}", x.sin() + x * x.cos());

    let (x, y) = (1.5f32, -0.5f32);
    let (_, dx, dy) = two_vars_grad(x, y);
    let v = two_vars(x, y);
    println!("f(x, y) = (x*y)^2 + exp(y) at ({x}, {y}): f = {v}, df/dx = {dx}, df/dy = {dy}");
    println!(
        "    by hand: 2xy^2 = {}, 2x^2y + exp(y) = {}",
        2.0 * x * y * y,
        2.0 * x * x * y + y.exp()
    );

    // At x = 100, e^x overflows f32; the stable form still gives 100 and a derivative of 1.
    for x in [-10.0f32, -1.0, 0.0, 1.0, 100.0] {
        let (_, dx) = softplus_grad(x);
        println!(
            "softplus({x}) = {}, d/dx = {dx}    by hand: sigmoid(x) = {}",
            softplus(x),
            sigmoid(x)
        );
    }
}
