use backprop::differentiable;

// `_fwd` of a function with `max_iters` returns a `Result`, which a differentiable caller
// passes on only if it has `max_iters` too.
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
