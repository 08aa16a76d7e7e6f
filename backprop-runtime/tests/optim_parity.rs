//! Replays `tests/fixtures/optim.json` (made by `scripts/optim_fixtures.py` with `torch.optim`):
//! every optimizer over every option combination, parameter groups and schedulers, on the same
//! parameters and gradients, must follow PyTorch's trajectory step by step; and resumed from
//! PyTorch's own `state_dict()` halfway, must finish as PyTorch does.

use backprop_runtime::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Checkpoint, CosineAnnealingLr,
    ExponentialLr, GroupState, LambdaLr, LinearLr, LrScheduler, MultiStepLr, Optimizer, ParamGroup,
    PlateauMode, ReduceLrOnPlateau, ReduceLrOnPlateauConfig, RmsProp, RmsPropConfig, Select, Sgd,
    SgdConfig, StateDict, StepLr, TensorState, ThresholdMode,
};
use backprop_runtime::{Parameters, Shape, Tensor, Zero};
use serde_json::Value;
use std::fmt;

/// Parameters agree with PyTorch's within this relative error, or this absolute error where
/// they cross zero. The optimizers fuse multiply-adds exactly where PyTorch's kernels do, so
/// SGD is bit-identical; the others take square roots, which PyTorch's CPU build (MKL) rounds
/// off by an ulp now and then, and those ulps compound over 12 steps.
const REL_TOL: f64 = 1e-6;
const ABS_TOL: f64 = 1e-7;

/// The fixture's model: `layer1.weight` `[2, 3]`, `layer1.bias` `[2]`, `layer2.weight` `[1, 2]`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Net {
    w1: [[f32; 3]; 2],
    b1: [f32; 2],
    w2: [[f32; 2]; 1],
}

const NAMES: [&str; 3] = ["layer1.weight", "layer1.bias", "layer2.weight"];

impl Zero for Net {
    fn zero() -> Self {
        Net {
            w1: Zero::zero(),
            b1: Zero::zero(),
            w2: Zero::zero(),
        }
    }
    fn set_zero(&mut self) {
        *self = Self::zero();
    }
}

impl Parameters for Net {
    const TENSORS: usize = 3;
    fn tensor(&self, k: usize) -> &[f32] {
        [self.w1.flat(), self.b1.flat(), self.w2.flat()][k]
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
        match k {
            0 => self.w1.flat_mut(),
            1 => self.b1.flat_mut(),
            _ => self.w2.flat_mut(),
        }
    }
    fn shape(k: usize) -> Shape {
        [
            <[[f32; 3]; 2]>::SHAPE,
            <[f32; 2]>::SHAPE,
            <[[f32; 2]; 1]>::SHAPE,
        ][k]
    }
    fn write_name(k: usize, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str(NAMES[k])
    }
}

fn fixture() -> Value {
    let text = include_str!("fixtures/optim.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

/// A `Net` from `{"layer1.weight": [...], ...}`.
fn net(v: &Value) -> Net {
    let mut n = Net::zero();
    for (k, name) in NAMES.iter().enumerate() {
        let values = v[name].as_array().expect("tensor values");
        let t = n.tensor_mut(k);
        assert_eq!(values.len(), t.len(), "{name}");
        for (x, v) in t.iter_mut().zip(values) {
            *x = v.as_f64().expect("number") as f32;
        }
    }
    n
}

fn num(c: &Value, key: &str, default: f64) -> f64 {
    c.get(key).map_or(default, |v| v.as_f64().expect("number"))
}

fn count(c: &Value, key: &str, default: u64) -> u64 {
    c.get(key).map_or(default, |v| v.as_u64().expect("integer"))
}

fn flag(c: &Value, key: &str) -> bool {
    c.get(key).is_some_and(|v| v.as_bool().expect("bool"))
}

fn betas(c: &Value, default: (f64, f64)) -> (f64, f64) {
    c.get("betas").map_or(default, |b| {
        (b[0].as_f64().unwrap(), b[1].as_f64().unwrap())
    })
}

fn sgd(c: &Value) -> SgdConfig {
    let d = SgdConfig::default();
    SgdConfig {
        lr: num(c, "lr", d.lr),
        momentum: num(c, "momentum", d.momentum),
        dampening: num(c, "dampening", d.dampening),
        weight_decay: num(c, "weight_decay", d.weight_decay),
        nesterov: flag(c, "nesterov"),
        maximize: flag(c, "maximize"),
    }
}

fn adam(c: &Value) -> AdamConfig {
    let d = AdamConfig::default();
    AdamConfig {
        lr: num(c, "lr", d.lr),
        betas: betas(c, d.betas),
        eps: num(c, "eps", d.eps),
        weight_decay: num(c, "weight_decay", d.weight_decay),
        amsgrad: flag(c, "amsgrad"),
        maximize: flag(c, "maximize"),
    }
}

fn adamw(c: &Value) -> AdamWConfig {
    let d = AdamWConfig::default();
    AdamWConfig {
        lr: num(c, "lr", d.lr),
        betas: betas(c, d.betas),
        eps: num(c, "eps", d.eps),
        weight_decay: num(c, "weight_decay", d.weight_decay),
        amsgrad: flag(c, "amsgrad"),
        maximize: flag(c, "maximize"),
    }
}

fn rmsprop(c: &Value) -> RmsPropConfig {
    let d = RmsPropConfig::default();
    RmsPropConfig {
        lr: num(c, "lr", d.lr),
        alpha: num(c, "alpha", d.alpha),
        eps: num(c, "eps", d.eps),
        weight_decay: num(c, "weight_decay", d.weight_decay),
        momentum: num(c, "momentum", d.momentum),
        centered: flag(c, "centered"),
        maximize: flag(c, "maximize"),
    }
}

fn adagrad(c: &Value) -> AdagradConfig {
    let d = AdagradConfig::default();
    AdagradConfig {
        lr: num(c, "lr", d.lr),
        lr_decay: num(c, "lr_decay", d.lr_decay),
        weight_decay: num(c, "weight_decay", d.weight_decay),
        initial_accumulator_value: num(c, "initial_accumulator_value", d.initial_accumulator_value),
        eps: num(c, "eps", d.eps),
        maximize: flag(c, "maximize"),
    }
}

fn select(v: &Value) -> Select {
    match v.as_str() {
        Some("all") => Select::All,
        Some("rest") => Select::Rest,
        _ => {
            let prefix = v["prefix"].as_str().expect("prefix").to_string();
            Select::Prefix(Box::leak(prefix.into_boxed_str()))
        }
    }
}

fn groups<C, const G: usize>(case: &Value, config: fn(&Value) -> C) -> [ParamGroup<C>; G] {
    let groups = case["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), G);
    core::array::from_fn(|g| {
        ParamGroup::new(select(&groups[g]["select"]), config(&groups[g]["config"]))
    })
}

/// A `StateDict` from PyTorch's `optimizer.state_dict()`, laid out as the script writes it.
fn state_dict(v: &Value) -> StateDict {
    let floats = |v: &Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    StateDict {
        optimizer: v["optimizer"].as_str().unwrap().to_string(),
        step: v["step"].as_u64().unwrap(),
        param_groups: v["param_groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| GroupState {
                lr: g["lr"].as_f64().unwrap(),
                initial_lr: g["initial_lr"].as_f64(),
                params: g["params"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_u64().unwrap() as usize)
                    .collect(),
            })
            .collect(),
        state: v["state"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| TensorState {
                tensor: s["tensor"].as_u64().unwrap() as usize,
                name: s["name"].as_str().unwrap().to_string(),
                buffers: s["buffers"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(name, values)| (name.clone(), floats(values)))
                    .collect(),
            })
            .collect(),
    }
}

/// The schedulers, as one type the replay can hold.
enum Schedule {
    Step(StepLr),
    MultiStep(MultiStepLr),
    Exponential(ExponentialLr),
    Cosine(CosineAnnealingLr),
    Linear(LinearLr),
    Lambda(LambdaLr<fn(u64) -> f64>),
    /// With the metric of each epoch.
    Plateau(ReduceLrOnPlateau, Vec<f64>),
}

/// The fixture's `LambdaLR` function, `0.9 ** epoch / (1 + epoch % 3)` in Python.
fn lambda(epoch: u64) -> f64 {
    0.9f64.powf(epoch as f64) / (1 + epoch % 3) as f64
}

impl Schedule {
    fn new<O: Optimizer>(opt: &mut O, s: &Value) -> Schedule {
        let int = |key: &str| s[key].as_u64().expect("integer");
        match s["kind"].as_str().expect("kind") {
            "StepLR" => {
                Schedule::Step(StepLr::new(opt, int("step_size"), num(s, "gamma", 0.1)).unwrap())
            }
            "MultiStepLR" => {
                let milestones: Vec<u64> = s["milestones"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m.as_u64().unwrap())
                    .collect();
                let milestones = Box::leak(milestones.into_boxed_slice());
                Schedule::MultiStep(
                    MultiStepLr::new(opt, milestones, num(s, "gamma", 0.1)).unwrap(),
                )
            }
            "ExponentialLR" => {
                Schedule::Exponential(ExponentialLr::new(opt, num(s, "gamma", 0.0)).unwrap())
            }
            "CosineAnnealingLR" => Schedule::Cosine(
                CosineAnnealingLr::new(opt, int("T_max"), num(s, "eta_min", 0.0)).unwrap(),
            ),
            "LinearLR" => Schedule::Linear(
                LinearLr::new(
                    opt,
                    num(s, "start_factor", 1.0 / 3.0),
                    num(s, "end_factor", 1.0),
                    count(s, "total_iters", 5),
                )
                .unwrap(),
            ),
            "LambdaLR" => {
                assert_eq!(s["lr_lambda"], "0.9 ** epoch / (1 + epoch % 3)");
                Schedule::Lambda(LambdaLr::new(opt, lambda as fn(u64) -> f64).unwrap())
            }
            "ReduceLROnPlateau" => {
                let defaults = ReduceLrOnPlateauConfig::default();
                let config = ReduceLrOnPlateauConfig {
                    mode: match s.get("mode").and_then(Value::as_str) {
                        None | Some("min") => PlateauMode::Min,
                        Some("max") => PlateauMode::Max,
                        Some(other) => panic!("unknown mode {other}"),
                    },
                    factor: num(s, "factor", defaults.factor),
                    patience: count(s, "patience", defaults.patience),
                    threshold: num(s, "threshold", defaults.threshold),
                    threshold_mode: match s.get("threshold_mode").and_then(Value::as_str) {
                        None | Some("rel") => ThresholdMode::Rel,
                        Some("abs") => ThresholdMode::Abs,
                        Some(other) => panic!("unknown threshold_mode {other}"),
                    },
                    cooldown: count(s, "cooldown", defaults.cooldown),
                    min_lr: num(s, "min_lr", defaults.min_lr),
                    eps: num(s, "eps", defaults.eps),
                };
                Schedule::Plateau(
                    ReduceLrOnPlateau::new(config).unwrap(),
                    s["metrics"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|m| m.as_f64().unwrap())
                        .collect(),
                )
            }
            other => panic!("unknown scheduler {other}"),
        }
    }

    fn step<O: Optimizer>(&mut self, opt: &mut O, epoch: usize) {
        match self {
            Schedule::Plateau(s, metrics) => s.step(opt, metrics[epoch]),
            Schedule::Step(s) => s.step(opt),
            Schedule::MultiStep(s) => s.step(opt),
            Schedule::Exponential(s) => s.step(opt),
            Schedule::Cosine(s) => s.step(opt),
            Schedule::Linear(s) => s.step(opt),
            Schedule::Lambda(s) => s.step(opt),
        }
        .unwrap()
    }
}

/// How far the trajectories are from PyTorch's.
#[derive(Default)]
struct Agreement {
    /// The worst error relative to the tolerance (<= 1 passes).
    ratio: f64,
    /// Where it occurred.
    at: String,
    /// The largest absolute difference.
    max_abs: f64,
    /// Values compared, and how many were bit-identical.
    values: usize,
    identical: usize,
    /// Values of SGD cases that were not bit-identical.
    sgd_differing: usize,
}

/// Runs `opt` over the fixture's gradients and compares every step with PyTorch's parameters.
fn replay<O: Checkpoint<Params = Net>>(
    mut opt: O,
    case: &Value,
    data: &Value,
    seen: &mut Agreement,
) {
    let name = case["name"].as_str().unwrap();
    let mut schedule = case.get("scheduler").map(|s| Schedule::new(&mut opt, s));
    let expected = case["params"].as_array().unwrap();
    // Resumed cases start from PyTorch's own optimizer state and parameters after `resume_at`
    // steps.
    let resume_at = case
        .get("resume_at")
        .map_or(0, |r| r.as_u64().unwrap() as usize);
    let mut params = if resume_at == 0 {
        net(&data["params0"])
    } else {
        opt.load_state_dict(&state_dict(&case["state"])).unwrap();
        assert_eq!(opt.steps(), resume_at as u64);
        net(&expected[resume_at - 1])
    };
    let mut grads = Net::zero();
    for (t, g) in data["grads"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .skip(resume_at)
    {
        // As in a training loop: zero, then accumulate (a missed zero_grad would show).
        opt.zero_grad(&mut grads);
        let g = net(g);
        for k in 0..Net::TENSORS {
            grads
                .tensor_mut(k)
                .iter_mut()
                .zip(g.tensor(k))
                .for_each(|(a, b)| *a += b);
        }
        opt.step(&mut params, &grads);
        let torch = net(&expected[t]);
        for (k, tensor) in NAMES.iter().enumerate() {
            for (i, (&ours, &theirs)) in params.tensor(k).iter().zip(torch.tensor(k)).enumerate() {
                let err = (ours as f64 - theirs as f64).abs();
                let ratio = err / (REL_TOL * (theirs as f64).abs()).max(ABS_TOL);
                seen.values += 1;
                seen.identical += usize::from(ours.to_bits() == theirs.to_bits());
                if case["optimizer"] == "SGD" && ours.to_bits() != theirs.to_bits() {
                    seen.sgd_differing += 1;
                }
                seen.max_abs = seen.max_abs.max(err);
                if ratio > seen.ratio {
                    seen.ratio = ratio;
                    seen.at = format!("{name}, step {}, {tensor}[{i}]: {ours} vs {theirs}", t + 1);
                }
            }
        }
        if let Some(s) = &mut schedule {
            s.step(&mut opt, t);
            let lrs = case["lrs"][t].as_array().unwrap();
            // Same f64 operations in the same order: bit-identical rates.
            for (g, lr) in lrs.iter().enumerate() {
                let (ours, theirs) = (opt.lr(g).unwrap(), lr.as_f64().unwrap());
                assert!(
                    ours.to_bits() == theirs.to_bits(),
                    "{name}: lr of group {g} after epoch {}: {ours} vs PyTorch {theirs}",
                    t + 1
                );
            }
        }
    }
}

macro_rules! run {
    ($opt:ident, $config:expr, $case:expr, $data:expr, $seen:expr) => {
        match $case["groups"].as_array().unwrap().len() {
            1 => replay(
                $opt::<Net, 1>::with_groups(groups($case, $config)).unwrap(),
                $case,
                $data,
                $seen,
            ),
            2 => replay(
                $opt::<Net, 2>::with_groups(groups($case, $config)).unwrap(),
                $case,
                $data,
                $seen,
            ),
            n => panic!("{n} groups"),
        }
    };
}

#[test]
fn trajectories_match_torch_optim() {
    let data = fixture();
    let cases = data["cases"].as_array().unwrap();
    let mut seen = Agreement::default();
    let mut count = std::collections::BTreeMap::<&str, usize>::new();
    for case in cases {
        let kind = case["optimizer"].as_str().unwrap();
        *count.entry(kind).or_default() += 1;
        match kind {
            "SGD" => run!(Sgd, sgd, case, &data, &mut seen),
            "Adam" => run!(Adam, adam, case, &data, &mut seen),
            "AdamW" => run!(AdamW, adamw, case, &data, &mut seen),
            "RMSprop" => run!(RmsProp, rmsprop, case, &data, &mut seen),
            "Adagrad" => run!(Adagrad, adagrad, case, &data, &mut seen),
            other => panic!("unknown optimizer {other}"),
        }
    }
    println!(
        "{} cases {count:?}: {} of {} values bit-identical, largest difference {:.2e}; \
         closest to tolerance ({:.2} of it): {}",
        cases.len(),
        seen.identical,
        seen.values,
        seen.max_abs,
        seen.ratio,
        seen.at
    );
    assert!(seen.ratio <= 1.0, "beyond tolerance: {}", seen.at);
    // SGD takes no square root, the one operation where PyTorch's CPU kernels (MKL) round
    // differently from IEEE's correctly rounded sqrt; everything else is fused like PyTorch.
    assert_eq!(
        seen.sgd_differing, 0,
        "SGD trajectories should be bit-identical"
    );
    assert!(cases.len() > 200);
}
