use backprop::differentiable;

#[differentiable(custom_vjp, hvp)]
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
