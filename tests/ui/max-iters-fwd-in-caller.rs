use backprop::differentiable;

// `_fwd` of a function with `max_iters` returns a `Result` (the bound is checked in the
// forward sweep): a differentiable caller passes the error on only if it has `max_iters` too,
// and without it the call is an error that says so.
#[differentiable(max_iters = 100)]
fn inner(x: f32, n: usize) -> f32 {
    let mut y = x;
    for _ in 0..n {
        y = y.sin();
    }
    y
}

#[differentiable]
fn outer(x: f32) -> f32 {
    inner(x, 3) * 2.0
}

fn main() {}
