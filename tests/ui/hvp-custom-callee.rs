use backprop::differentiable;

// A hand-written derivative has no second order: the `_hvp` of a caller cannot differentiate
// through `g` (it has `g_jvp` for forward mode, and no tangent program).
#[differentiable(custom_vjp, jvp)]
fn g(x: f32) -> f32 {
    x.round()
}

fn g_vjp(x: f32, d_out: f32) -> (f32, f32) {
    (x.round(), d_out)
}

fn g_jvp(x: f32, x_dot: f32) -> (f32, f32) {
    (x.round(), x_dot)
}

#[differentiable(hvp)]
fn f(x: f32) -> f32 {
    g(x) * x
}

fn main() {}
