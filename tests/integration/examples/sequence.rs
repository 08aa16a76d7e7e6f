//! `examples/sequence`, shorter: the character GRU learns (its loss falls well below the
//! uniform guess's), its gradient is the central differences', and it samples characters of
//! its alphabet.

#[path = "../../../examples/sequence/model.rs"]
#[allow(dead_code)]
mod model;

use backprop::Parameters;
use model::{CharGru, TrainConfig, V};
use rand::{Rng, SeedableRng};

/// The stack of a main thread.
const SMALL_STACK: usize = 8 << 20;

/// Runs `f` on a thread with a stack of [`SMALL_STACK`]: the sequence form's pullback keeps
/// every step's gates (2.6 MB at the example's sizes) on the heap, so the stack holds only the
/// models, gradients, batch and activations of a test, even in a debug build.
fn on_a_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("the test passed");
}

fn text() -> Vec<usize> {
    model::encode(include_str!("../../../data/genesis.txt")).expect("the text is in the alphabet")
}

/// Two training steps at the example's sizes, on [`SMALL_STACK`]. (With the gates on the
/// stack, as before, they overflowed 32 MB in a debug build.)
#[test]
fn training_steps_fit_a_small_stack() {
    on_a_small_stack(|| {
        let config = TrainConfig {
            steps: 2,
            lr: 3e-3,
            seed: 0,
        };
        let mut losses = Vec::new();
        model::train(&text(), config, |_, _, l| losses.push(l)).unwrap();
        assert!(losses.len() == 2 && losses.iter().all(|l| l.is_finite()));
    });
}

#[test]
fn the_character_model_learns() {
    on_a_small_stack(|| {
        let text = text();
        let (train_text, valid_text) = text.split_at(text.len() * 9 / 10);
        let config = TrainConfig {
            steps: 15,
            lr: 3e-3,
            seed: 0,
        };
        let mut losses = Vec::new();
        let trained = model::train(train_text, config, |_, _, l| losses.push(l)).unwrap();
        let uniform = (V as f32).ln(); // 4.08 nats: no knowledge of the text
        assert!(
            (losses[0] - uniform).abs() < 0.1,
            "starts near uniform: {}",
            losses[0]
        );
        let valid = model::evaluate(&trained, valid_text);
        assert!(
            valid < uniform - 0.7,
            "held-out loss {valid} after 15 steps"
        );
        let sample = model::sample(
            &trained,
            &[0],
            50,
            1.0,
            &mut rand::rngs::StdRng::seed_from_u64(1),
        );
        assert_eq!(sample.len(), 50);
        assert!(sample.iter().all(|&c| c < V));
    });
}

#[test]
fn the_loss_gradient_matches_central_differences_along_random_directions() {
    // 79,000 parameters one at a time would take hours in a debug build: the gradient is
    // checked along three random directions instead (the cells and the head are checked entry
    // by entry in their own tests).
    on_a_small_stack(|| {
        let text = text();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let m = CharGru::new(&mut rng);
        let (mut x, mut y) = (<model::Inputs as backprop::Zero>::zero(), [[0; 32]; 32]);
        let starts = core::array::from_fn(|b| 97 * b);
        model::batch(&text, &starts, &mut x, &mut y);
        let mut grad = <CharGru as backprop::Zero>::zero();
        model::loss_grad(&m, &mut grad, &x, &y);
        for _ in 0..3 {
            // A direction of unit length.
            let mut v = <CharGru as backprop::Zero>::zero();
            let mut norm = 0.0f64;
            for k in 0..CharGru::TENSORS {
                for e in v.tensor_mut(k) {
                    *e = rng.random_range(-1.0f32..1.0);
                    norm += f64::from(*e * *e);
                }
            }
            let moved = |eps: f64| {
                let mut p = m;
                let mut dot = 0.0f64;
                for k in 0..CharGru::TENSORS {
                    let (pk, vk, gk) = (p.tensor_mut(k), v.tensor(k), grad.tensor(k));
                    for ((p, v), g) in pk.iter_mut().zip(vk).zip(gk) {
                        let dir = f64::from(*v) / norm.sqrt();
                        *p += (eps * dir) as f32;
                        dot += f64::from(*g) * dir;
                    }
                }
                (f64::from(model::loss(&p, &x, &y)), dot)
            };
            let h = 1e-2;
            let ((up, analytic), (down, _)) = (moved(h), moved(-h));
            let numeric = (up - down) / (2.0 * h);
            assert!(
                (numeric - analytic).abs() <= 0.02 * analytic.abs() + 2e-4,
                "directional derivative: {analytic} analytic, {numeric} numeric"
            );
        }
    });
}
