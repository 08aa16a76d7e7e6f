use backprop::differentiable;

#[differentiable]
fn f(x: f32) -> f32 {
    let mut s = x;
    loop {
        s = s * 2.0;
        if s > 10.0 {
            break;
        }
    }
    s
}

fn main() {
    let (_value, _dx) = f_grad(1.5);
}
