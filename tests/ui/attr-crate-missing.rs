use backprop::differentiable;

// The override is taken at its word: generated code names the runtime through it.
#[differentiable(crate = "crate::engine")]
fn f(x: f32) -> f32 {
    x.exp() * x
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
