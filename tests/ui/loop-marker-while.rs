use backprop::differentiable;

// A `while` loop runs to a bound known only at run time: it has one reversal.
#[differentiable(max_iters = 100)]
fn f(x: f32) -> f32 {
    let mut y = x;
    #[loops = store]
    while y > 1.0 {
        y = y * 0.5;
    }
    y
}

fn main() {}
