use backprop::differentiable;

struct Linear {
    w: f32,
}

impl Linear {
    fn forward(&self, x: f32) -> f32 {
        self.w * x
    }
}

#[differentiable]
fn f(m: &Linear, x: f32) -> f32 {
    m.forward(x) * x
}

fn main() {
    let mut dm = Linear { w: 0.0 };
    let (_value, _dx) = f_grad(&Linear { w: 2.0 }, &mut dm, 3.0);
}
