//! MultiheadAttention against PyTorch (`tests/fixtures/layers_attn.json`, made by
//! `scripts/layers_attn_fixtures.py`): the forward pass and every gradient (the four tensors and
//! the input), without and with the causal mask; the same gradients against central
//! differences; the pullback without some shadows; and a PyTorch-saved `state_dict` loaded.

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::nn::MultiheadAttention;
use backprop::{io, Parameters, Tensor, Zero};
use backprop_runtime as backprop;
use fixture::{assert_close, assert_grads, layer as attention, tensor, weighted};
use serde_json::Value;

mod fixture;

const E: usize = 8;
const HEADS: usize = 2;
const B: usize = 2;
const T: usize = 5;

type Attention = MultiheadAttention<E, HEADS>;
type Seq = [[[f32; E]; T]; B];

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/layers_attn.json")).expect("the fixture is JSON")
}

fn matches_pytorch(case: &str, causal: bool) {
    let f = fixtures();
    let (s, attn): (_, Attention) = (&f[case], attention(&f["params"]));
    let (x, d_out): (Seq, Seq) = (tensor(&s["x"]), tensor(&s["d_out"]));
    let mut d_attn = Attention::zero();
    let mut d_x = [[[0.0; E]; T]; B];
    let y = attn.forward_vjp(&mut d_attn, &x, &mut d_x, causal, &d_out);
    assert_eq!(y, attn.forward(&x, causal));
    assert_close(y.flat(), &s["out"], "output");
    assert_close(d_x.flat(), &s["d_x"], "d_x");
    assert_grads(&d_attn, &s["grads"], "gradient");
}

#[test]
fn self_attention_matches_pytorch() {
    matches_pytorch("full", false);
}

#[test]
fn causal_self_attention_matches_pytorch() {
    matches_pytorch("causal", true);
}

#[test]
fn causal_positions_ignore_what_comes_after_them() {
    let f = fixtures();
    let attn: Attention = attention(&f["params"]);
    let x: Seq = tensor(&f["causal"]["x"]);
    let mut later = x;
    later[1][T - 1] = [3.0; E];
    let (y, y_later) = (attn.forward(&x, true), attn.forward(&later, true));
    assert_eq!(y[0], y_later[0], "the other sequence");
    assert_eq!(y[1][..T - 1], y_later[1][..T - 1], "the positions before");
    assert_ne!(y[1][T - 1], y_later[1][T - 1]);
    // Without the mask every position sees the change.
    assert_ne!(
        attn.forward(&x, false)[1][0],
        attn.forward(&later, false)[1][0]
    );
}

#[derive(backprop::Parameters)]
struct Point {
    attn: Attention,
    x: Seq,
}

#[test]
fn gradients_match_central_differences() {
    let f = fixtures();
    for (case, causal) in [("full", false), ("causal", true)] {
        let s = &f[case];
        let at = Point {
            attn: attention(&f["params"]),
            x: tensor(&s["x"]),
        };
        let g: Seq = tensor(&s["d_out"]);
        let report = check_gradient(
            |p: &Point| weighted(&p.attn.forward(&p.x, causal), &g),
            |p, d| {
                let y = p.attn.forward_vjp(&mut d.attn, &p.x, &mut d.x, causal, &g);
                weighted(&y, &g)
            },
            &at,
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(report.checked, Point::numel());
    }
}

#[test]
fn split_mode_skips_the_gradients_not_asked_for() {
    let f = fixtures();
    let (s, attn): (_, Attention) = (&f["causal"], attention(&f["params"]));
    let (x, d_out): (Seq, Seq) = (tensor(&s["x"]), tensor(&s["d_out"]));
    let (_, pullback) = attn.forward_fwd(&x, true);
    let mut d_attn = Attention::zero();
    pullback(&attn, Some(&mut d_attn), &x, None, true, &d_out);
    assert_grads(&d_attn, &s["grads"], "gradient");
    let (_, pullback) = attn.forward_fwd(&x, true);
    let mut d_x = [[[0.0; E]; T]; B];
    pullback(&attn, None, &x, Some(&mut d_x), true, &d_out);
    assert_close(d_x.flat(), &s["d_x"], "d_x alone");
}

#[test]
fn loads_a_state_dict_saved_by_pytorch() {
    let path = format!(
        "{}/tests/fixtures/layers_attn.safetensors",
        env!("CARGO_MANIFEST_DIR")
    );
    let attn: Attention = io::load(path).expect("PyTorch's state_dict loads");
    let again: Attention = io::from_bytes(&io::to_bytes(&attn).unwrap()).unwrap();
    assert_eq!(again, attn);
    let s = &fixtures()["state_dict"];
    let y = attn.forward(&tensor::<Seq>(&s["x"]), false);
    assert_close(y.flat(), &s["out"], "output of the loaded layer");
}

#[test]
fn names_shapes_and_initialisation_are_pytorchs() {
    use rand::SeedableRng;
    type Big = MultiheadAttention<64, 4>;
    let names: Vec<String> = (0..Big::TENSORS).map(Big::name).collect();
    assert_eq!(
        names,
        [
            "in_proj_weight",
            "in_proj_bias",
            "out_proj.weight",
            "out_proj.bias"
        ]
    );
    let dims: Vec<Vec<usize>> = (0..Big::TENSORS)
        .map(|k| Big::shape(k).dims().to_vec())
        .collect();
    assert_eq!(dims, [vec![192, 64], vec![192], vec![64, 64], vec![64]]);
    assert_eq!(Big::HEAD_DIM, 16);

    let a = Big::new(&mut rand::rngs::StdRng::seed_from_u64(3));
    // Xavier-uniform over [192, 64]: sqrt(6 / 256); Linear's: 1 / sqrt(64).
    for (k, bound) in [(0, (6.0f32 / 256.0).sqrt()), (2, 0.125)] {
        let t = a.tensor(k);
        assert!(t.iter().all(|w| w.abs() <= bound), "{}", Big::name(k));
        assert!(t.iter().any(|w| w.abs() > 0.95 * bound), "{}", Big::name(k));
    }
    assert!(a.tensor(1).iter().chain(a.tensor(3)).all(|b| *b == 0.0));
}

#[derive(backprop::Parameters)]
struct Wider {
    attn: MultiheadAttention<16, 2>,
    x: [[[f32; 16]; 8]; 2],
}

#[test]
fn gradients_on_the_gemm_kernel_match_central_differences() {
    // Heads of 8 over 8 positions: the score and value products (512 multiply-adds each) run
    // on the GEMM kernel, through its strided blocks, not on the plain loops of the small case.
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut at = Wider::zero();
    for k in 0..Wider::TENSORS {
        for v in at.tensor_mut(k) {
            *v = rng.random_range(-0.6..0.6);
        }
    }
    let g: [[[f32; 16]; 8]; 2] = core::array::from_fn(|_| {
        core::array::from_fn(|_| core::array::from_fn(|_| rng.random_range(-1.0..1.0)))
    });
    for causal in [false, true] {
        let dot = |y: &[[[f32; 16]; 8]; 2]| -> f32 {
            y.flat().iter().zip(g.flat()).map(|(y, g)| y * g).sum()
        };
        let report = check_gradient(
            |p: &Wider| dot(&p.attn.forward(&p.x, causal)),
            |p, d| dot(&p.attn.forward_vjp(&mut d.attn, &p.x, &mut d.x, causal, &g)),
            &at,
            Tolerance::default(),
        )
        .unwrap_or_else(|e| panic!("causal {causal}: {e}"));
        assert_eq!(report.checked, Wider::numel());
    }
}
