use backprop::differentiable;

#[differentiable]
fn f(x: f32, table: &[f32; 4]) -> f32 {
    let i = x as usize;
    table[i] * x
}

fn main() {
    let mut dtable = [0.0; 4];
    let (_value, _dx) = f_grad(2.0, &[1.0, 2.0, 3.0, 4.0], &mut dtable);
}
