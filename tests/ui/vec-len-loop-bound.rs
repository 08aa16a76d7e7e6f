use backprop::differentiable;

#[differentiable]
fn total(xs: &Vec<[f32; 2]>) -> f32 {
    let mut s = 0.0;
    for i in 0..xs.len() {
        s += xs[i][0] * xs[i][1];
    }
    s
}

fn main() {
    let xs = vec![[1.0, 2.0]; 3];
    let mut dxs = vec![[0.0; 2]; 3];
    let _value: f32 = total_grad(&xs, &mut dxs);
}
