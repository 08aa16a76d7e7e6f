//! The digits example's pieces: reading the data (and refusing malformed data), the split, the
//! generated gradient of the batch loss, a short training run, and the parameter-file round trip.

// The example's own modules (`super`), so the test checks the code the example runs.
use super::{data, model};

use backprop::gradcheck::{check_gradient, Tolerance};
use backprop::{io, Zero};
use data::{DataError, Sample, CLASSES, FEATURES};
use model::{argmax, batch_loss, batch_loss_grad, evaluate, train, Mlp, TrainConfig};
use rand::SeedableRng;
use std::io::Write;

/// One line of the CSV with the given pixels and label.
fn line(pixels: &[u32], label: u32) -> String {
    let mut fields: Vec<String> = pixels.iter().map(u32::to_string).collect();
    fields.push(label.to_string());
    fields.join(",")
}

#[test]
fn the_shipped_data_set_is_the_uci_test_set() {
    let samples = data::digits().expect("the shipped data parse");
    assert_eq!(samples.len(), 1797);
    // Per-digit counts, as counted by Python's csv/gzip modules from the same file.
    let mut counts = [0; CLASSES];
    for s in &samples {
        counts[s.label] += 1;
    }
    assert_eq!(counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    // The pixel counts sum to 561,718 (also from Python); scaled by 1/16 here.
    let total: f64 = samples
        .iter()
        .flat_map(|s| s.pixels.iter())
        .map(|&p| f64::from(p))
        .sum();
    assert!((total * 16.0 - 561_718.0).abs() < 1e-6, "{}", total * 16.0);
    assert!(samples
        .iter()
        .all(|s| s.pixels.iter().all(|&p| (0.0..=1.0).contains(&p))));
    // The first image is a 0; its first row is 0,0,5,13,9,1,0,0.
    assert_eq!(samples[0].label, 0);
    assert_eq!(
        samples[0].pixels[..8],
        [
            0.0,
            0.0,
            5.0 / 16.0,
            13.0 / 16.0,
            9.0 / 16.0,
            1.0 / 16.0,
            0.0,
            0.0
        ]
    );
}

#[test]
fn parsing_accepts_good_lines_and_blank_ones() {
    let pixels: Vec<u32> = (0..FEATURES as u32).map(|i| i % 17).collect();
    let text = format!("{}\n\n{}\n", line(&pixels, 3), line(&[16; FEATURES], 9));
    let samples = data::parse(&text).expect("valid");
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].label, 3);
    assert_eq!(samples[0].pixels[16], 16.0 / 16.0);
    assert_eq!(samples[0].pixels[17], 0.0);
    assert_eq!(samples[1].pixels, [1.0; FEATURES]);
}

#[test]
fn malformed_lines_are_typed_errors_naming_the_line() {
    let good = line(&[1; FEATURES], 1);
    let with_second = |second: String| format!("{good}\n{second}\n");

    let short = with_second(line(&[1; FEATURES - 1], 1));
    assert!(matches!(
        data::parse(&short),
        Err(DataError::FieldCount { line: 2, found: 64 })
    ));

    let mut fields = vec!["1".to_string(); FEATURES + 1];
    fields[4] = "x".into();
    match data::parse(&with_second(fields.join(","))) {
        Err(DataError::NotANumber { line, column, text }) => {
            assert_eq!((line, column, text.as_str()), (2, 5, "x"));
        }
        other => panic!("{other:?}"),
    }
    fields[4] = "-1".into();
    assert!(matches!(
        data::parse(&with_second(fields.join(","))),
        Err(DataError::NotANumber { column: 5, .. })
    ));

    let mut pixels = [0; FEATURES];
    pixels[63] = 17;
    assert!(matches!(
        data::parse(&with_second(line(&pixels, 0))),
        Err(DataError::PixelOutOfRange {
            line: 2,
            column: 64,
            value: 17
        })
    ));

    let err = data::parse(&with_second(line(&[0; FEATURES], 10))).unwrap_err();
    assert!(matches!(err, DataError::BadLabel { line: 2, value: 10 }));
    assert_eq!(err.to_string(), "line 2: label 10 is not a digit 0..=9");

    assert!(matches!(data::parse("\n\n"), Err(DataError::Empty)));
    assert!(matches!(
        data::parse_gz(b"not gzip at all"),
        Err(DataError::Decode(_))
    ));
}

#[test]
fn gzip_round_trip() {
    let text = format!("{}\n", line(&[8; FEATURES], 7));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("in memory");
    let bytes = gz.finish().expect("in memory");
    let samples = data::parse_gz(&bytes).expect("valid");
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].pixels, [0.5; FEATURES]);
    assert_eq!(samples[0].label, 7);
}

#[test]
fn the_split_is_stratified_disjoint_and_repeatable() {
    let samples = data::digits().expect("valid");
    let (train, test) = data::split(&samples, 0.2, 0);
    assert_eq!(train.len() + test.len(), samples.len());
    // 20% of each digit, rounded: 178 -> 36, 182 -> 36, 177 -> 35, 183 -> 37, 181 -> 36,
    // 182 -> 36, 181 -> 36, 179 -> 36, 174 -> 35, 180 -> 36.
    let mut counts = [0; CLASSES];
    for s in &test {
        counts[s.label] += 1;
    }
    assert_eq!(counts, [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]);
    // Together they are the data set again: sort both by their bytes and compare.
    let key = |s: &Sample| (s.label, s.pixels.map(f32::to_bits));
    let mut all: Vec<_> = samples.iter().map(key).collect();
    let mut back: Vec<_> = train.iter().chain(&test).map(key).collect();
    all.sort();
    back.sort();
    assert_eq!(all, back);
    assert_eq!(data::split(&samples, 0.2, 0), (train.clone(), test.clone()));
    assert_ne!(data::split(&samples, 0.2, 1).1, test);
}

#[test]
fn argmax_takes_the_first_of_equal_maxima() {
    let mut logits = [0.0; CLASSES];
    logits[3] = 2.0;
    logits[7] = 2.0;
    assert_eq!(argmax(&logits), 3);
    logits[9] = 2.5;
    assert_eq!(argmax(&logits), 9);
}

#[test]
fn the_batch_loss_gradient_matches_central_differences() {
    let samples = data::digits().expect("valid");
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let m = Mlp::new(&mut rng);
    let x = [samples[0].pixels, samples[1].pixels];
    let y = [samples[0].label, samples[1].label];
    let report = check_gradient(
        |p: &Mlp| batch_loss(p, &x, &y),
        |p: &Mlp, g: &mut Mlp| batch_loss_grad(p, g, &x, &y),
        &m,
        Tolerance::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.checked, 64 * 128 + 128 + 128 * 10 + 10);
    // With this seed one hidden unit's pre-activation is -2.6e-3 on a pixel of 1, which the
    // default step (5e-3) carries across ReLU's kink: those entries are reported as kinks, with
    // the gradient matching the side the unit is on, not as failures.
    assert!(report.kinks > 0, "{report}");
    assert!(
        report
            .kink_entries
            .iter()
            .all(|c| c.name.starts_with("fc1.")),
        "{report}"
    );
    // At random initialisation the loss is near ln 10, the loss of a uniform guess.
    assert!((report.value - 10f32.ln()).abs() < 0.5, "{}", report.value);

    // The batch gradient is the mean of the per-sample gradients.
    let mut whole = Mlp::zero();
    batch_loss_grad(&m, &mut whole, &x, &y);
    let mut parts = Mlp::zero();
    batch_loss_grad(&m, &mut parts, &[x[0]], &[y[0]]);
    batch_loss_grad(&m, &mut parts, &[x[1]], &[y[1]]);
    for (a, b) in whole
        .fc1
        .weight
        .iter()
        .flatten()
        .zip(parts.fc1.weight.iter().flatten())
    {
        assert!(
            (a - b / 2.0).abs() <= 1e-6 + 1e-5 * a.abs(),
            "{a} vs {}",
            b / 2.0
        );
    }
}

#[test]
fn two_epochs_learn_and_the_saved_model_predicts_the_same() {
    let samples = data::digits().expect("valid");
    let (train_set, test_set) = data::split(&samples, 0.2, 0);
    let config = TrainConfig {
        epochs: 2,
        lr: 5e-3,
        seed: 0,
    };
    let mut history = Vec::new();
    let trained = train(&train_set, &test_set, config, |r| history.push(*r)).expect("valid lr");
    assert_eq!(history.len(), 2);
    let chance = 10f32.ln(); // the loss of a uniform guess over ten digits
    assert!(history[0].train.loss < chance, "{:?}", history[0]);
    assert!(history[1].train.loss < history[0].train.loss, "{history:?}");
    assert!(history[1].test.loss < history[0].test.loss, "{history:?}");
    assert!(history[1].test.accuracy > 0.8, "{:?}", history[1]); // chance is 0.1
    assert_eq!(evaluate(&trained, &test_set), history[1].test);

    // In memory and through a file: the same weights, so the same logits, bit for bit.
    let bytes = io::to_bytes(&trained).expect("serialisable");
    let from_bytes: Mlp = io::from_bytes(&bytes).expect("valid file");
    assert_eq!(from_bytes, trained);
    let path = std::env::temp_dir().join(format!("digits-{}.safetensors", std::process::id()));
    io::save(&trained, &path).expect("writable");
    let loaded: Mlp = io::load(&path).expect("readable");
    std::fs::remove_file(&path).ok();
    for s in &test_set {
        let (a, b) = (trained.forward(&s.pixels), loaded.forward(&s.pixels));
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
        assert_eq!(argmax(&a), argmax(&b));
    }
    assert_eq!(evaluate(&loaded, &test_set), history[1].test);

    // A file for another network is refused, naming what is wrong.
    #[derive(backprop::Parameters)]
    struct Other {
        fc1: backprop::nn::Linear<FEATURES, 32>,
    }
    let other = io::to_bytes(&Other::zero()).expect("serialisable");
    assert!(io::from_bytes::<Mlp>(&other).is_err());
}
