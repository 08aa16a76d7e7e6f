use backprop::differentiable;

#[differentiable]
fn g(x: f32) -> f32 {
    x.sin()
}

// `f_hvp` differentiates `g`'s tangent, which only `#[differentiable(hvp)]` on `g` provides.
#[differentiable(hvp)]
fn f(x: f32) -> f32 {
    g(x) * x
}

fn main() {}
