use backprop::differentiable;

struct Pair {
    a: f32,
    b: f32,
}

#[differentiable]
fn f(x: f32) -> f32 {
    let p = Pair { a: x, b: 2.0 * x };
    p.a * p.b
}

fn main() {
    let (_value, _dx) = f_grad(2.0);
}
