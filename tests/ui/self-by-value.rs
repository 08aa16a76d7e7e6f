use backprop::differentiable;

#[derive(Clone, Copy)]
struct Linear {
    w: f32,
}

impl Linear {
    #[differentiable]
    fn forward(self, x: f32) -> f32 {
        self.w * x
    }
}

fn main() {
    let m = Linear { w: 2.0 };
    let (_value, _dx) = m.forward_grad(3.0);
}
