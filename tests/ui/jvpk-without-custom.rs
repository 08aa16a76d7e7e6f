use backprop::differentiable;

// `jvpk` announces a hand-written `f_jvpk`, which only a hand-written derivative has: the macro
// generates `f_jvpk` itself for every other function with `jvp`.
#[differentiable(jvp, jvpk)]
fn f(x: f32) -> f32 {
    x.sin()
}

fn main() {}
