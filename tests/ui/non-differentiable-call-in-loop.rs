use backprop::differentiable;

fn lift(a: f32) -> [f32; 2] {
    [a, 2.0 * a]
}

fn double(a: f32) -> f32 {
    2.0 * a
}

#[differentiable]
fn f(x: &[f32; 3]) -> f32 {
    let mut s = 0.0;
    for i in 0..3 {
        let h = lift(x[i]);
        s += h[0] * h[1] + double(x[i]).sin();
    }
    s
}

fn main() {
    let mut dx = [0.0; 3];
    let _value: f32 = f_grad(&[1.0, 2.0, 3.0], &mut dx);
}
