use backprop::Parameters;

// Every mistake is reported at once, and nothing else.
#[derive(Parameters)]
#[parameters(crate = "::backprop", crate = "::backprop")]
struct Model {
    #[parameters(rename = "")]
    weight: [f32; 3],
    #[parameters(crate = "::backprop")]
    bias: [f32; 3],
}

fn uses_it(_: &impl Parameters) {}

fn main() {
    uses_it(&<Model as backprop::Zero>::zero());
}
