//! The digits_cnn example's model: its generated batch-loss gradient against central
//! differences, a short training run that must learn, the augmentation's shift, and the
//! parameter-file round trip, on the example's own code.

#[allow(dead_code)]
#[path = "../../../examples/digits_cnn/model.rs"]
mod cnn;
use super::{data, model};

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::{io, Parameters};
use cnn::{batch_loss, batch_loss_grad, evaluate, image, shifted, train, Cnn};
use model::TrainConfig;
use rand::SeedableRng;

/// The forward and backward passes keep a batch's maps on the stack: more than a test
/// thread's 2 MiB at batch 32.
fn with_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("the test passes");
}

#[test]
fn the_batch_loss_gradient_matches_central_differences() {
    let samples = data::digits().expect("valid");
    let m = Cnn::new(&mut rand::rngs::StdRng::seed_from_u64(3));
    let x = [image(&samples[0].pixels), image(&samples[1].pixels)];
    let y = [samples[0].label, samples[1].label];
    let report = check_gradient(
        |p: &Cnn| batch_loss(p, &x, &y),
        |p: &Cnn, g: &mut Cnn| batch_loss_grad(p, g, &x, &y),
        &m,
        // A smaller step than the default: ReLU and max pooling put kinks at every few
        // thousandths of a convolution weight, and the default step crosses them.
        Tolerance {
            step: 1e-3,
            ..Tolerance::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.checked, Cnn::numel());
    assert_eq!(Cnn::numel(), 16 * 9 + 16 + 32 * 16 * 9 + 32 + 128 * 10 + 10);
    assert!((report.value - 10f32.ln()).abs() < 0.5, "{}", report.value);
}

#[test]
fn a_shift_moves_every_pixel_and_fills_zeros() {
    let pixels: [f32; 64] = core::array::from_fn(|i| i as f32 + 1.0);
    let img = image(&pixels);
    assert_eq!(img[0][2][5], 2.0 * 8.0 + 5.0 + 1.0);
    let s = shifted(&img, 1, -1);
    assert_eq!(s[0][3][4], img[0][2][5]);
    assert!(s[0][0].iter().all(|&v| v == 0.0)); // the top row came from outside
    assert!(s[0].iter().all(|row| row[7] == 0.0)); // and so did the right column
    assert_eq!(shifted(&img, 0, 0), img);
}

#[test]
fn a_short_run_learns_and_its_weights_round_trip() {
    with_big_stack(|| {
        let samples = data::digits().expect("valid");
        let (train_set, test_set) = data::split(&samples, 0.2, 0);
        let config = TrainConfig {
            epochs: 3,
            lr: 5e-3,
            seed: 0,
        };
        let mut reports = Vec::new();
        let trained = train(&train_set, &test_set, config, |r| reports.push(*r)).expect("trains");
        assert_eq!(reports.len(), 3);
        // Three epochs take a fresh network from chance (10%) to four digits in five right.
        let last = reports[2].test;
        assert!(last.accuracy > 0.8, "{last:?}");
        assert!(reports[2].train.loss < reports[0].train.loss, "{reports:?}");

        let bytes = io::to_bytes(&trained.model).expect("serialises");
        let back: Cnn = io::from_bytes(&bytes).expect("reads back");
        assert_eq!(back, trained.model);
        assert_eq!(evaluate(&back, &test_set), last);
        assert_eq!(Cnn::name(0), "conv1.weight");
    });
}
