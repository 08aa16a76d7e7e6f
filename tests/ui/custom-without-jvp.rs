use backprop::differentiable;

// `jvp` on a hand-written derivative asks for a hand-written `g_jvp` too: it is missing.
#[differentiable(custom_vjp, jvp)]
fn g(x: f32) -> f32 {
    x.round()
}

fn g_vjp(x: f32, d_out: f32) -> (f32, f32) {
    (x.round(), d_out)
}

fn main() {}
