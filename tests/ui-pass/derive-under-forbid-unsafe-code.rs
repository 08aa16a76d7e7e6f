//! `#[derive(Parameters)]` emits `unsafe impl Zeroable`, yet a crate that forbids unsafe code
//! can use it: the impl is the macro's, not the user's.
#![forbid(unsafe_code)]

use backprop::nn::{Init, Linear, ReLU};
use backprop::{Parameters, Zeroable};
use rand::SeedableRng;

#[derive(Parameters)]
#[parameters(init)]
struct Mlp {
    layer1: Linear<3, 4>,
    relu: ReLU,
    layer2: Linear<4, 2>,
}

fn main() {
    let zero = Mlp::boxed_zero();
    assert_eq!(zero.layer2.bias, [0.0; 2]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let model = Mlp::new_boxed(&mut rng);
    assert!(model.layer1.weight.iter().flatten().any(|&w| w != 0.0));
}
