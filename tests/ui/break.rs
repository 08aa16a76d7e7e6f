use backprop::differentiable;

// `break` in the middle of the body: the last iteration would run only part of it.
#[differentiable]
fn f(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    for i in 0..4 {
        s += x[i];
        if x[i] < 0.0 {
            break;
        }
        s += 1.0;
    }
    s
}

fn main() {
    let mut dx = [0.0; 4];
    let _value: f32 = f_grad(&[1.0, 2.0, -1.0, 3.0], &mut dx);
}
