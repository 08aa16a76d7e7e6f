//! A 784-1024-10 perceptron (3.2 MB) goes through a whole training round on a thread with
//! rayon's default 2 MB stack: built and initialised on the heap, one batch's gradient through
//! a `#[differentiable]` loss into a boxed buffer, one Adam step, saved and reloaded into boxed
//! models. Run in debug (`cargo test`) and release (`cargo test --release --test big_model`,
//! in `.ci/run`): nothing of the model's size may pass through the stack in either.

use backprop_runtime::batch::{batch_gradient_into, Reduction};
use backprop_runtime::loss::cross_entropy;
use backprop_runtime::nn::{Init, Linear, ReLU};
use backprop_runtime::optim::{Adam, AdamConfig};
use backprop_runtime::{differentiable, io, Optimizer, Parameters, Zeroable};
use rand::{Rng, SeedableRng};

#[derive(Parameters)]
#[parameters(init)]
struct Mnist {
    layer1: Linear<784, 1024>,
    relu: ReLU,
    layer2: Linear<1024, 10>,
}

impl Mnist {
    #[differentiable]
    fn forward(&self, x: &[f32; 784]) -> [f32; 10] {
        let h = self.relu.forward(&self.layer1.forward(x));
        self.layer2.forward(&h)
    }
}

#[differentiable(wrt(model))]
#[allow(dead_code)] // trained through its gradient
fn loss(model: &Mnist, x: &[f32; 784], label: usize) -> f32 {
    cross_entropy(&model.forward(x), label)
}

/// rayon's default, and Rust's for spawned threads.
const STACK: usize = 2 << 20;

struct Sample {
    x: [f32; 784],
    label: usize,
}

/// Every scalar's bits, tensor after tensor.
fn bits(m: &Mnist) -> Vec<u32> {
    (0..Mnist::TENSORS)
        .flat_map(|k| m.tensor(k).iter().map(|x| x.to_bits()))
        .collect()
}

/// The mean loss over the batch, by the forward pass alone.
fn mean_loss(m: &Mnist, batch: &[Sample]) -> f32 {
    batch
        .iter()
        .map(|s| cross_entropy(&m.forward(&s.x), s.label))
        .sum::<f32>()
        / batch.len() as f32
}

fn train_save_reload() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(784);
    let mut model = Mnist::new_boxed(&mut rng);
    let bound = 1.0 / 28.0; // 1 / sqrt(784)
    let w1 = model.layer1.weight.as_flattened();
    assert!(w1.iter().all(|w| w.abs() <= bound));
    assert!(w1.iter().any(|w| w.abs() > 0.9 * bound), "initialised");
    assert!(
        model.layer2.bias.iter().all(|&b| b != 0.0),
        "the last tensor too"
    );

    let batch: Vec<Sample> = (0..8)
        .map(|i| Sample {
            x: std::array::from_fn(|_| rng.random_range(0.0..1.0)),
            label: i % 10,
        })
        .collect();
    let mut grad = Mnist::boxed_zero();
    let before = batch_gradient_into(&*model, &mut *grad, &batch, Reduction::Mean, |m, g, s| {
        loss_grad(m, g, &s.x, s.label)
    })
    .expect("a batch of 8");
    assert!((before - mean_loss(&model, &batch)).abs() < 1e-5);

    // The last layer's bias gradient in closed form: the mean of softmax(logits) - onehot.
    let mut expected = [0.0f64; 10];
    for s in &batch {
        let logits = model.forward(&s.x).map(f64::from);
        let max = logits.iter().cloned().fold(f64::MIN, f64::max);
        let total: f64 = logits.iter().map(|z| (z - max).exp()).sum();
        for (j, e) in expected.iter_mut().enumerate() {
            let p = (logits[j] - max).exp() / total;
            *e += (p - f64::from(u8::from(j == s.label))) / batch.len() as f64;
        }
    }
    for (j, (g, e)) in grad.layer2.bias.iter().zip(expected).enumerate() {
        assert!((f64::from(*g) - e).abs() < 1e-5, "bias {j}: {g} vs {e}");
    }
    // The gradient reaches the first layer.
    assert!(grad.layer1.weight.as_flattened().iter().any(|&g| g != 0.0));

    let mut adam = Adam::<Mnist>::new(AdamConfig {
        lr: 1e-3,
        ..Default::default()
    })
    .expect("a valid configuration");
    let old_bias = model.layer2.bias;
    adam.step(&mut model, &grad);
    // Adam's first step moves each parameter by lr against the sign of its gradient.
    let new_bias = model.layer2.bias;
    for (j, ((new, old), g)) in new_bias
        .iter()
        .zip(old_bias)
        .zip(grad.layer2.bias)
        .enumerate()
    {
        let moved = new - old;
        let want = -1e-3 * g.signum();
        assert!((moved - want).abs() < 1e-6, "bias {j}: {moved} vs {want}");
    }
    let after = mean_loss(&model, &batch);
    assert!(
        after < before,
        "one step lowers the batch loss: {after} vs {before}"
    );

    let path = std::env::temp_dir().join(format!(
        "backprop-big-model-{}-{}.safetensors",
        std::process::id(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    ));
    io::save(&*model, &path).expect("saved");
    let loaded = io::load_boxed::<Mnist>(&path);
    let mut into = Mnist::boxed_zero();
    let loaded_into = io::load_into(&mut *into, &path, io::LoadOptions::default());
    std::fs::remove_file(&path).expect("removed");
    let loaded = loaded.expect("reloaded");
    loaded_into.expect("reloaded in place");
    let saved = bits(&model);
    assert_eq!(saved.len(), 784 * 1024 + 1024 + 1024 * 10 + 10);
    assert!(bits(&loaded) == saved, "load_boxed gives back the model");
    assert!(bits(&into) == saved, "load_into gives back the model");
    assert_eq!(mean_loss(&loaded, &batch), after);
}

#[test]
fn a_3_mb_model_trains_saves_and_reloads_on_a_2_mb_stack() {
    const { assert!(std::mem::size_of::<Mnist>() > STACK) };
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(train_save_reload)
        .expect("spawn")
        .join()
        .expect("the round ran on a 2 MB stack");
}
