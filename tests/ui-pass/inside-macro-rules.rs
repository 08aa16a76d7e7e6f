// Regression test (a fixed bug): `#[differentiable]` written in a `macro_rules!` body, on a function that comes from the
// invocation: the generated code names the parameters with call-site spans, which macro
// hygiene hides from the parameters themselves ("cannot find value `x` in this scope").
use backprop::differentiable;

macro_rules! differentiable_fn {
    ($($item:tt)*) => {
        #[differentiable]
        $($item)*
    };
}

differentiable_fn! {
    fn square(x: f32) -> f32 {
        x * x
    }
}

fn main() {
    assert_eq!(square(3.0), 9.0);
    assert_eq!(square_grad(3.0), (9.0, 6.0));
}
