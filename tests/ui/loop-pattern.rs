use backprop::differentiable;

#[differentiable]
fn f(x: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for (i, v) in x.iter().enumerate() {
        s += v * i as f32;
    }
    s
}

fn main() {
    let mut dx = [0.0; 3];
    let _value: f32 = f_grad(&[1.0, 2.0, 3.0], &mut dx);
}
