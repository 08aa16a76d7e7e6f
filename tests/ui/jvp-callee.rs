use backprop::differentiable;

#[differentiable]
fn g(x: f32) -> f32 {
    x.sin()
}

// `f_jvp` calls `g`'s forward mode, which only `#[differentiable(jvp)]` on `g` provides.
#[differentiable(jvp)]
fn f(x: f32) -> f32 {
    g(x) * x
}

fn main() {}
