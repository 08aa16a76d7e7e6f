//! `#[derive(Parameters)]`: tensor order, PyTorch-style names, shapes, generics, zeroing, boxed
//! zeros and `#[parameters(init)]`.

use backprop::nn::{Init, ReLU};
use backprop::{Parameters, Shape, Tensor, Zero, Zeroable};
use rand::SeedableRng;

#[derive(Parameters, Debug, PartialEq)]
struct Linear<const IN: usize, const OUT: usize> {
    weight: [[f32; IN]; OUT],
    bias: [f32; OUT],
}

#[derive(Parameters, Debug, PartialEq)]
struct Mlp {
    layer1: Linear<3, 4>,
    layer2: Linear<4, 2>,
    scale: f32,
}

/// `nn.Sequential(Linear, ReLU, Linear)`: PyTorch numbers the children by position, and the
/// ReLU at index 1 holds no parameter.
#[derive(Parameters)]
struct Sequential {
    #[parameters(rename = "0")]
    first: Linear<3, 4>,
    #[parameters(rename = "2")]
    second: Linear<4, 2>,
}

/// A type parameter: any parameter tree can be wrapped.
#[derive(Parameters)]
struct Wrapper<M> {
    inner: M,
    r#type: [f32; 2],
}

#[derive(Parameters)]
struct Empty {}

fn names<P: Parameters>() -> Vec<String> {
    (0..P::TENSORS).map(P::name).collect()
}

fn dims<P: Parameters>() -> Vec<Vec<usize>> {
    (0..P::TENSORS)
        .map(|k| P::shape(k).dims().to_vec())
        .collect()
}

#[test]
fn tensors_are_numbered_in_field_order_with_dotted_names() {
    assert_eq!(Mlp::TENSORS, 5);
    assert_eq!(
        names::<Mlp>(),
        [
            "layer1.weight",
            "layer1.bias",
            "layer2.weight",
            "layer2.bias",
            "scale"
        ]
    );
    assert_eq!(
        dims::<Mlp>(),
        [vec![4, 3], vec![4], vec![2, 4], vec![2], vec![]]
    );
    assert_eq!(Mlp::numel(), 4 * 3 + 4 + 2 * 4 + 2 + 1);
    const { assert!(!Mlp::IS_TENSOR) };
}

#[test]
fn renamed_fields_give_sequential_names() {
    assert_eq!(
        names::<Sequential>(),
        ["0.weight", "0.bias", "2.weight", "2.bias"]
    );
}

#[test]
fn type_parameters_and_raw_identifiers_carry_over() {
    assert_eq!(
        names::<Wrapper<Linear<2, 1>>>(),
        ["inner.weight", "inner.bias", "type"]
    );
    // A bare tensor as the inner tree has no name of its own.
    assert_eq!(names::<Wrapper<[f32; 5]>>(), ["inner", "type"]);
    assert_eq!(
        names::<Wrapper<Wrapper<f32>>>(),
        ["inner.inner", "inner.type", "type"]
    );
    assert_eq!(Wrapper::<[f32; 5]>::shape(0), <[f32; 5]>::SHAPE);
}

#[test]
fn an_empty_struct_has_no_tensor() {
    assert_eq!(Empty::TENSORS, 0);
    assert_eq!(Empty::numel(), 0);
}

#[test]
fn tensors_view_the_fields() {
    let mut m = Mlp::zero();
    m.layer1.weight[1][2] = 5.0;
    m.layer2.bias = [7.0, 8.0];
    m.scale = 3.0;
    assert_eq!(m.tensor(0)[3 + 2], 5.0);
    assert_eq!(m.tensor(3), &[7.0, 8.0]);
    assert_eq!(m.tensor(4), &[3.0]);

    m.tensor_mut(1)[3] = -1.0;
    assert_eq!(m.layer1.bias, [0.0, 0.0, 0.0, -1.0]);
    m.tensor_mut(2)[4 + 3] = 9.0;
    assert_eq!(m.layer2.weight[1][3], 9.0);

    m.set_zero();
    assert_eq!(m, Mlp::zero());
    assert!((0..Mlp::TENSORS).all(|k| m.tensor(k).iter().all(|&x| x == 0.0)));
}

#[test]
#[should_panic(expected = "tensor index out of range")]
fn an_index_past_the_end_panics_as_documented() {
    let m = Mlp::zero();
    let _ = m.tensor(Mlp::TENSORS);
}

#[test]
fn shape_matches_the_tensor_length() {
    let m = Mlp::zero();
    for k in 0..Mlp::TENSORS {
        assert_eq!(Mlp::shape(k).len(), m.tensor(k).len(), "tensor {k}");
    }
    assert_eq!(Mlp::shape(0), Shape::SCALAR.prepend(3).prepend(4));
}

/// The runtime reached through a path of the user's choosing.
mod runtime {
    pub use backprop as reexported;
}

#[derive(Parameters)]
#[parameters(crate = "crate::derive_parameters::runtime::reexported")]
struct Overridden {
    w: [f32; 3],
}

#[test]
fn the_crate_path_can_be_overridden() {
    assert_eq!(names::<Overridden>(), ["w"]);
}

/// The prelude brings the derive along with the trait.
mod through_the_prelude {
    use backprop::prelude::*;

    #[derive(Parameters)]
    pub struct Bias {
        pub bias: [f32; 2],
    }
}

#[test]
fn the_prelude_has_the_derive() {
    assert_eq!(names::<through_the_prelude::Bias>(), ["bias"]);
}

/// Every scalar's bits, tensor after tensor.
fn bits<P: Parameters>(p: &P) -> Vec<u32> {
    (0..P::TENSORS)
        .flat_map(|k| p.tensor(k).iter().map(|x| x.to_bits()))
        .collect()
}

#[test]
fn a_boxed_zero_is_the_zero() {
    assert_eq!(*Mlp::boxed_zero(), Mlp::zero());
    // Through a type parameter (the derive bounds `M: Zeroable`) and a parameter-free layer.
    let wrapped = Wrapper::<Mlp>::boxed_zero();
    assert_eq!(bits(&*wrapped), bits(&Wrapper::<Mlp>::zero()));
    assert!(bits(&*wrapped).iter().all(|&b| b == 0));
    assert_eq!(bits(&*Empty::boxed_zero()), Vec::<u32>::new());
    let _: Box<ReLU> = ReLU::boxed_zero();
}

/// `nn.Sequential(Linear, ReLU, Linear)` that initialises itself.
#[derive(Parameters)]
#[parameters(init)]
struct Net<const H: usize> {
    first: backprop::nn::Linear<3, H>,
    relu: ReLU,
    second: backprop::nn::Linear<H, 2>,
}

/// A generic container with `init`: initialises whatever it wraps.
#[derive(Parameters)]
#[parameters(init)]
struct Pair<A, B> {
    a: A,
    b: B,
}

#[test]
fn a_derived_init_initialises_each_field_in_order() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let first = backprop::nn::Linear::<3, 5>::new(&mut rng);
    let second = backprop::nn::Linear::<5, 2>::new(&mut rng);
    let by_fields = Net {
        first,
        relu: ReLU,
        second,
    };

    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let boxed = Net::<5>::new_boxed(&mut rng);
    assert_eq!(bits(&*boxed), bits(&by_fields));
    assert!(
        boxed.second.bias.iter().all(|&b| b != 0.0),
        "every field drawn"
    );

    // In place, over whatever the model held.
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut reused = Net::<5>::zero();
    reused.first.bias = [9.0; 5];
    reused.init(&mut rng);
    assert_eq!(bits(&reused), bits(&by_fields));

    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let pair = Pair::<backprop::nn::Linear<3, 5>, Net<5>>::new_boxed(&mut rng);
    assert_eq!(pair.a, first, "the first field draws first");
    assert_ne!(
        bits(&pair.b.first),
        bits(&first),
        "the second draws after it"
    );
}
