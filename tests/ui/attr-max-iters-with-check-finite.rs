use backprop::differentiable;

// Both would make the gradient return a `Result`, with different errors.
#[differentiable(check_finite, max_iters = 100)]
fn f(x: f32, n: usize) -> f32 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin();
    }
    y
}

fn main() {}
