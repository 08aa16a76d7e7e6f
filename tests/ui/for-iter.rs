use backprop::differentiable;

#[differentiable]
fn f(x: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for v in x.iter().skip(1) {
        s += v * v;
    }
    s
}

fn main() {
    let mut dx = [0.0; 3];
    let _value: f32 = f_grad(&[1.0, 2.0, 3.0], &mut dx);
}
