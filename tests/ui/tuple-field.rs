use backprop::differentiable;

struct Scale(f32);

#[differentiable]
fn f(s: &Scale, x: f32) -> f32 {
    s.0 * x
}

fn main() {
    let mut ds = Scale(0.0);
    let (_value, _dx) = f_grad(&Scale(2.0), &mut ds, 3.0);
}
