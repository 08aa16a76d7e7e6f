use backprop::differentiable;

#[differentiable(custom_vjp, custom_fwd)]
fn f(x: f32) -> f32 {
    x
}

fn main() {}
