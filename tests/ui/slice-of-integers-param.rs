use backprop::differentiable;

// A slice of a differentiable function holds `f32`s or `f32` arrays: there is no gradient of
// an integer, and integer data of run-time length has no form the macro reads yet.
#[differentiable]
fn f(w: f32, labels: &[u8]) -> f32 {
    w * w
}

fn main() {}
