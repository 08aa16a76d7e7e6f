use backprop::differentiable;

#[differentiable]
fn f(w: f32, idx: [usize; 2]) -> f32 {
    w * idx[0] as f32
}

fn main() {
    let (_value, _dw) = f_grad(2.0, [1, 2]);
}
