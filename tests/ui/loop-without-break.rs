use backprop::differentiable;

#[differentiable(max_iters = 100)]
fn f(x: f32) -> f32 {
    let mut s = x;
    loop {
        s = s * 2.0;
    }
    s
}

fn main() {}
