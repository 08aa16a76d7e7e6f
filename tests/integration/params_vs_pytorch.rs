//! Weights written by PyTorch (`scripts/params_fixtures.py`) load into derived structs, and a
//! hand-written forward pass on them reproduces PyTorch's outputs.

use backprop::{io, Parameters};
use serde_json::Value;

#[derive(Parameters)]
struct Linear<const IN: usize, const OUT: usize> {
    weight: [[f32; IN]; OUT],
    bias: [f32; OUT],
}

impl<const IN: usize, const OUT: usize> Linear<IN, OUT> {
    /// PyTorch's `nn.Linear`: `y = W x + b`, with `W` stored `[OUT, IN]`.
    fn forward(&self, x: &[f32; IN]) -> [f32; OUT] {
        std::array::from_fn(|o| {
            self.bias[o] + (0..IN).map(|i| self.weight[o][i] * x[i]).sum::<f32>()
        })
    }
}

/// `nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))`
#[derive(Parameters)]
struct Sequential {
    #[parameters(rename = "0")]
    hidden: Linear<3, 4>,
    #[parameters(rename = "2")]
    out: Linear<4, 2>,
}

/// The `Net` of the fixture script: a Sequential inside a module, and a bare scalar parameter.
#[derive(Parameters)]
struct Encoder {
    #[parameters(rename = "0")]
    linear: Linear<3, 4>,
}

#[derive(Parameters)]
struct Net {
    encoder: Encoder,
    head: Linear<4, 2>,
    temperature: f32,
}

struct Fixture {
    bytes: Vec<u8>,
    json: Value,
}

fn fixture(name: &str) -> Fixture {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/");
    let bytes = std::fs::read(format!("{dir}{name}.safetensors")).unwrap();
    let json = serde_json::from_str(&std::fs::read_to_string(format!("{dir}{name}.json")).unwrap())
        .unwrap();
    Fixture { bytes, json }
}

fn floats<const N: usize>(v: &Value) -> [f32; N] {
    let v = v.as_array().unwrap();
    assert_eq!(v.len(), N);
    std::array::from_fn(|i| v[i].as_f64().unwrap() as f32)
}

/// The derived names and shapes are exactly PyTorch's `state_dict` keys and shapes.
fn assert_same_names<P: Parameters>(json: &Value) {
    let torch = json["names"].as_object().unwrap();
    assert_eq!(torch.len(), P::TENSORS);
    for k in 0..P::TENSORS {
        let name = P::name(k);
        let shape: Vec<usize> = torch[&name]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(P::shape(k).dims(), shape, "{name}");
    }
}

fn assert_close(got: [f32; 2], want: [f32; 2]) {
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g - w).abs() <= 1e-5 + 1e-5 * w.abs(),
            "got {got:?}, PyTorch {want:?}"
        );
    }
}

#[test]
fn a_pytorch_sequential_loads_and_computes_the_same_outputs() {
    let f = fixture("params_sequential");
    assert_same_names::<Sequential>(&f.json);
    let model: Sequential = io::from_bytes(&f.bytes).unwrap();

    let mut relu_cut = false;
    let inputs = f.json["inputs"].as_array().unwrap();
    let outputs = f.json["outputs"].as_array().unwrap();
    assert_eq!(inputs.len(), outputs.len());
    for (x, y) in inputs.iter().zip(outputs) {
        let pre = model.hidden.forward(&floats::<3>(x));
        relu_cut |= pre.iter().any(|&h| h < 0.0);
        let hidden = pre.map(|h| h.max(0.0));
        assert_close(model.out.forward(&hidden), floats::<2>(y));
    }
    assert!(relu_cut, "the fixture should exercise the ReLU's flat side");
}

#[test]
fn a_pytorch_module_with_nested_names_loads_and_computes_the_same_outputs() {
    let f = fixture("params_net");
    assert_same_names::<Net>(&f.json);
    let model: Net = io::from_bytes(&f.bytes).unwrap();
    let outputs = f.json["outputs"].as_array().unwrap();
    for (x, y) in f.json["inputs"].as_array().unwrap().iter().zip(outputs) {
        let h = model.encoder.linear.forward(&floats::<3>(x)).map(f32::tanh);
        let out = model.head.forward(&h).map(|o| o / model.temperature);
        assert_close(out, floats::<2>(y));
    }
}

#[test]
fn a_pytorch_file_survives_a_round_trip_bit_for_bit() {
    let f = fixture("params_net");
    let model: Net = io::from_bytes(&f.bytes).unwrap();
    let again: Net = io::from_bytes(&io::to_bytes(&model).unwrap()).unwrap();
    for k in 0..Net::TENSORS {
        let bits = |p: &Net| p.tensor(k).iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&again), bits(&model), "{}", Net::name(k));
    }
}

#[test]
fn a_pytorch_file_does_not_load_into_the_wrong_model() {
    // Sequential's file into Net: the names differ, and the error says which one is missing.
    let f = fixture("params_sequential");
    let err = io::from_bytes::<Net>(&f.bytes).err().unwrap();
    assert!(
        matches!(&err, io::FileError::MissingTensor { name } if name == "encoder.0.weight"),
        "{err}"
    );
}
