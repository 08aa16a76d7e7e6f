use backprop::differentiable;

// `jvpk` on a hand-written derivative asks for a hand-written `g_jvpk` too: it is missing.
#[differentiable(custom_vjp, jvp, jvpk)]
fn g(x: f32) -> f32 {
    x.round()
}

fn g_vjp(x: f32, d_out: f32) -> (f32, f32) {
    (x.round(), d_out)
}

fn g_jvp(x: f32, x_dot: f32) -> (f32, f32) {
    (x.round(), x_dot)
}

fn main() {}
