use backprop::differentiable;

// A hand-written derivative comes with its forward mode: `g_jvp` is missing.
#[differentiable(custom_vjp)]
fn g(x: f32) -> f32 {
    x.round()
}

fn g_vjp(x: f32, d_out: f32) -> (f32, f32) {
    (x.round(), d_out)
}

fn main() {}
