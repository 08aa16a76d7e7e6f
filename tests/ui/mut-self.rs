use backprop::differentiable;

struct Linear {
    w: f32,
}

impl Linear {
    #[differentiable]
    fn forward(&mut self, x: f32) -> f32 {
        self.w * x
    }
}

fn main() {
    let mut m = Linear { w: 2.0 };
    let mut dm = Linear { w: 0.0 };
    let (_value, _dx) = m.forward_grad(&mut dm, 3.0);
}
