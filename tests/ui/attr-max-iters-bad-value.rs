use backprop::differentiable;

#[differentiable(max_iters = 0)]
fn zero(x: f32, _n: usize) -> f32 {
    x
}

#[differentiable(max_iters = "1000")]
fn string(x: f32, _n: usize) -> f32 {
    x
}

#[differentiable(max_iters = N)]
fn named(x: f32, _n: usize) -> f32 {
    x
}

fn main() {}
