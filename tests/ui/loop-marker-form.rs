use backprop::differentiable;

// The marker is a name and a value, `#[loops = store]`, not a list.
#[differentiable]
fn f(x: &[f32; 4]) -> f32 {
    let mut s = 0.0;
    #[loops(store)]
    for i in 0..4 {
        s += x[i] * x[i];
    }
    s
}

fn main() {}
