use backprop::differentiable;

// A loop that leaves early keeps one record of where it stopped: it must be at the top of the
// function, not inside another loop.
#[differentiable(max_iters = 100)]
fn f(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        let mut y = x[i];
        while y > 1.0 {
            y *= 0.5;
        }
        s += y;
    }
    s
}

fn main() {}
