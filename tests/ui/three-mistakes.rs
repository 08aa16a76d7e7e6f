use backprop::differentiable;

// Three unrelated mistakes: all three are reported in one compilation.
#[differentiable]
fn f(x: f32, n: usize) -> f32 {
    let mut s = x;
    while s < 10.0 {
        s = s * 2.0;
    }
    let odd = n & 1;
    println!("{s} {odd}");
    s
}

fn main() {
    let (_value, _dx) = f_grad(1.5, 3);
}
