//! A saved optimizer state: PyTorch's `optimizer.state_dict()`, keyed by tensor index.

use super::driver::Buffers;
use super::error::OptimError;
use super::group::{Groups, OptimConfig};
use crate::params::Parameters;

/// Everything an optimizer has learnt: its step count, each group's learning rate and the
/// buffers of each tensor (PyTorch's `state` and `param_groups`). Plain data, to be stored in
/// whatever format the application uses.
///
/// Unlike PyTorch's, it holds no hyperparameter but the learning rates (the ones schedulers
/// change): build the optimizer with the same configuration, then load. Buffers are named as in
/// PyTorch; each optimizer saves all of its buffers for every grouped tensor, also those an
/// option leaves at zero (`max_exp_avg_sq` without AMSGrad), where PyTorch saves none.
#[derive(Clone, Debug, PartialEq)]
pub struct StateDict {
    /// The optimizer's PyTorch class name (`"SGD"`, `"Adam"`, ...).
    pub optimizer: String,
    /// Steps taken.
    pub step: u64,
    /// One entry per parameter group, in order.
    pub param_groups: Vec<GroupState>,
    /// One entry per tensor that is in a group, by increasing tensor index.
    pub state: Vec<TensorState>,
}

/// The saved part of a parameter group.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupState {
    /// Its learning rate (schedulers change it).
    pub lr: f64,
    /// Its `initial_lr`, once a scheduler has set it.
    pub initial_lr: Option<f64>,
    /// The indices of its tensors.
    pub params: Vec<usize>,
}

/// The buffers of one tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorState {
    /// The tensor's index in the parameter tree.
    pub tensor: usize,
    /// The tensor's dotted name (informative; loading goes by index).
    pub name: String,
    /// Each buffer by PyTorch's name (`momentum_buffer`, `exp_avg`, ...), row-major.
    pub buffers: Vec<(String, Vec<f32>)>,
}

/// The state of an optimizer whose buffers, named `names`, are `buffers`.
pub(crate) fn save<P: Parameters, C: OptimConfig, const N: usize, const G: usize>(
    optimizer: &'static str,
    step: u64,
    groups: &Groups<C, G>,
    names: [&'static str; N],
    buffers: &Buffers<P, N>,
) -> StateDict {
    let owner: Vec<Option<usize>> = (0..P::TENSORS)
        .map(|k| groups.group_of::<P, f32>(k))
        .collect();
    let param_groups = (0..G)
        .map(|g| GroupState {
            lr: groups.lr(g).expect("g < G"),
            initial_lr: groups.initial_lr(g),
            params: (0..P::TENSORS).filter(|&k| owner[k] == Some(g)).collect(),
        })
        .collect();
    let state = (0..P::TENSORS)
        .filter(|&k| owner[k].is_some())
        .map(|k| TensorState {
            tensor: k,
            name: P::name(k),
            buffers: names
                .iter()
                .enumerate()
                .map(|(b, name)| (name.to_string(), buffers.tensor(b, k).to_vec()))
                .collect(),
        })
        .collect();
    StateDict {
        optimizer: optimizer.to_string(),
        step,
        param_groups,
        state,
    }
}

/// Checks `state` against this optimizer, then restores it; on error nothing is changed.
pub(crate) fn load<P: Parameters, C: OptimConfig, const N: usize, const G: usize>(
    state: &StateDict,
    optimizer: &'static str,
    step: &mut u64,
    groups: &mut Groups<C, G>,
    names: [&'static str; N],
    buffers: &mut Buffers<P, N>,
) -> Result<(), OptimError> {
    if state.optimizer != optimizer {
        return Err(OptimError::WrongOptimizer {
            expected: optimizer,
            found: state.optimizer.clone(),
        });
    }
    if state.param_groups.len() != G {
        return Err(OptimError::GroupMismatch {
            reason: format!(
                "{} saved groups, {G} in the optimizer",
                state.param_groups.len()
            ),
        });
    }
    let mut checked = *groups;
    for (g, saved) in state.param_groups.iter().enumerate() {
        let params: Vec<usize> = (0..P::TENSORS)
            .filter(|&k| groups.group_of::<P, f32>(k) == Some(g))
            .collect();
        if saved.params != params {
            return Err(OptimError::GroupMismatch {
                reason: format!(
                    "group {g} saved tensors {:?}, the optimizer's are {params:?}",
                    saved.params
                ),
            });
        }
        checked.set_lr(g, saved.lr)?;
        if let Some(lr) = saved.initial_lr {
            checked.set_initial_lr(g, lr)?;
        }
    }
    // One entry per tensor: with two, which one to load would be a guess.
    for (i, saved) in state.state.iter().enumerate() {
        if state.state[..i].iter().any(|s| s.tensor == saved.tensor) {
            return Err(OptimError::DuplicateState {
                tensor: saved.tensor,
            });
        }
    }
    // Every grouped tensor needs every buffer, of its length; nothing else may be saved.
    let grouped = (0..P::TENSORS).filter(|&k| groups.group_of::<P, f32>(k).is_some());
    let mut found = Vec::new();
    for k in grouped {
        let Some(saved) = state.state.iter().find(|s| s.tensor == k) else {
            return Err(OptimError::MissingState {
                buffer: names.first().copied().unwrap_or("state"),
                tensor: k,
            });
        };
        for (b, name) in names.iter().enumerate() {
            let Some((_, values)) = saved.buffers.iter().find(|(n, _)| n == name) else {
                return Err(OptimError::MissingState {
                    buffer: name,
                    tensor: k,
                });
            };
            let expected = buffers.tensor(b, k).len();
            if values.len() != expected {
                return Err(OptimError::StateShape {
                    buffer: name.to_string(),
                    tensor: k,
                    expected,
                    found: values.len(),
                });
            }
        }
        if let Some((name, _)) = saved
            .buffers
            .iter()
            .find(|(n, _)| !names.iter().any(|b| b == n))
        {
            return Err(OptimError::GroupMismatch {
                reason: format!("unknown buffer `{name}` for {optimizer}"),
            });
        }
        found.push(saved);
    }
    if let Some(extra) = state
        .state
        .iter()
        .find(|s| !found.iter().any(|f| f.tensor == s.tensor))
    {
        return Err(OptimError::GroupMismatch {
            reason: format!(
                "state saved for tensor {}, which is in no group",
                extra.tensor
            ),
        });
    }

    for saved in found {
        for (b, name) in names.iter().enumerate() {
            let (_, values) = saved
                .buffers
                .iter()
                .find(|(n, _)| n == name)
                .expect("checked");
            buffers.tensor_mut(b, saved.tensor).copy_from_slice(values);
        }
    }
    *groups = checked;
    *step = state.step;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::group::tests::Net;
    use crate::optim::{
        Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Checkpoint, LearningRates,
        Optimizer, ParamGroup, RmsProp, RmsPropConfig, Select, Sgd, SgdConfig,
    };
    use core::fmt;

    fn net(seed: f32) -> Net {
        let f = |i: f32| ((seed + i) * 0.37).sin();
        Net {
            w1: [[f(0.0), f(1.0)], [f(2.0), f(3.0)]],
            b1: [f(4.0), f(5.0)],
            w2: [f(6.0), f(7.0)],
        }
    }

    /// Training 10 steps straight equals training 4, saving, loading into a fresh optimizer
    /// and training 6 more, bit for bit.
    fn resumes_exactly<O: Checkpoint<Params = Net>>(make: impl Fn() -> O) {
        let mut straight = make();
        let mut p = net(0.0);
        for t in 0..10 {
            straight.step(&mut p, &net(t as f32));
        }

        let mut first = make();
        let mut q = net(0.0);
        for t in 0..4 {
            first.step(&mut q, &net(t as f32));
        }
        let saved = first.state_dict();
        drop(first);
        let mut resumed = make();
        resumed.load_state_dict(&saved).unwrap();
        assert_eq!(resumed.steps(), 4);
        for t in 4..10 {
            resumed.step(&mut q, &net(t as f32));
        }
        assert_eq!(p, q);
        assert_eq!(straight.state_dict(), resumed.state_dict());
    }

    #[test]
    fn every_optimizer_resumes_from_its_state_dict() {
        resumes_exactly(|| {
            Sgd::<Net>::new(SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                nesterov: true,
                ..Default::default()
            })
            .unwrap()
        });
        resumes_exactly(|| {
            Adam::<Net>::new(AdamConfig {
                amsgrad: true,
                ..Default::default()
            })
            .unwrap()
        });
        resumes_exactly(|| AdamW::<Net>::new(AdamWConfig::default()).unwrap());
        resumes_exactly(|| {
            RmsProp::<Net>::new(RmsPropConfig {
                momentum: 0.5,
                centered: true,
                ..Default::default()
            })
            .unwrap()
        });
        resumes_exactly(|| {
            Adagrad::<Net>::new(AdagradConfig {
                lr_decay: 0.1,
                ..Default::default()
            })
            .unwrap()
        });
    }

    #[test]
    fn the_learning_rate_is_restored() {
        let mut a = Sgd::<Net>::new(SgdConfig::default()).unwrap();
        a.set_lr(0, 0.25).unwrap();
        a.set_initial_lr(0, 0.5).unwrap();
        let mut b = Sgd::<Net>::new(SgdConfig::default()).unwrap();
        b.load_state_dict(&a.state_dict()).unwrap();
        assert_eq!((b.lr(0), b.initial_lr(0)), (Some(0.25), Some(0.5)));
    }

    #[test]
    fn mismatched_states_are_typed_errors_and_change_nothing() {
        let mut adam = Adam::<Net>::new(AdamConfig::default()).unwrap();
        adam.step(&mut net(0.0), &net(1.0));
        let good = adam.state_dict();

        let mut sgd = Sgd::<Net>::new(SgdConfig::default()).unwrap();
        assert_eq!(
            sgd.load_state_dict(&good),
            Err(OptimError::WrongOptimizer {
                expected: "SGD",
                found: "Adam".into()
            })
        );

        let mut fresh = Adam::<Net>::new(AdamConfig::default()).unwrap();
        let before = fresh.clone();

        let mut short = good.clone();
        short.state[1].buffers[0].1.pop();
        assert_eq!(
            fresh.load_state_dict(&short),
            Err(OptimError::StateShape {
                buffer: "exp_avg".into(),
                tensor: 1,
                expected: 2,
                found: 1
            })
        );

        let mut missing = good.clone();
        missing.state[2].buffers.remove(1);
        assert_eq!(
            fresh.load_state_dict(&missing),
            Err(OptimError::MissingState {
                buffer: "exp_avg_sq",
                tensor: 2
            })
        );

        let mut twice = good.clone();
        twice.state.push(good.state[0].clone());
        assert_eq!(
            fresh.load_state_dict(&twice),
            Err(OptimError::DuplicateState { tensor: 0 })
        );

        let mut negative = good.clone();
        negative.param_groups[0].lr = -1.0;
        assert!(matches!(
            fresh.load_state_dict(&negative),
            Err(OptimError::InvalidHyperparameter { name: "lr", .. })
        ));

        let mut two = Adam::<Net, 2>::with_groups([
            ParamGroup::new(Select::Prefix("layer1."), AdamConfig::default()),
            ParamGroup::new(Select::Rest, AdamConfig::default()),
        ])
        .unwrap();
        assert!(matches!(
            two.load_state_dict(&good),
            Err(OptimError::GroupMismatch { .. })
        ));
        let mut one_group_of_two = Adam::<Net>::with_groups([ParamGroup::new(
            Select::Prefix("layer1."),
            AdamConfig::default(),
        )])
        .unwrap();
        assert!(matches!(
            one_group_of_two.load_state_dict(&good),
            Err(OptimError::GroupMismatch { .. })
        ));

        assert_eq!(fresh, before);
        fresh.load_state_dict(&good).unwrap();
        assert_eq!(fresh.state_dict(), good);
    }

    /// What the corrupted-state fuzz learnt about one optimizer.
    #[derive(Default, Debug)]
    struct Tally {
        inputs: usize,
        accepted: usize,
        /// Rejections by error kind (the variant's name).
        rejected: std::collections::BTreeMap<&'static str, usize>,
    }

    fn kind(e: &OptimError) -> &'static str {
        match e {
            OptimError::InvalidHyperparameter { .. } => "InvalidHyperparameter",
            OptimError::WrongOptimizer { .. } => "WrongOptimizer",
            OptimError::GroupMismatch { .. } => "GroupMismatch",
            OptimError::MissingState { .. } => "MissingState",
            OptimError::StateShape { .. } => "StateShape",
            OptimError::DuplicateState { .. } => "DuplicateState",
            other => panic!("load_state_dict cannot return {other:?}"),
        }
    }

    /// `a` and `b` hold the same bits (NaN buffers compare equal to themselves).
    fn same(a: &StateDict, b: &StateDict) -> bool {
        format!("{a:?}") == format!("{b:?}")
    }

    /// Random corruptions of valid state dicts (names, steps, learning rates, group and tensor
    /// indices, buffers and their lengths, entries removed or repeated), loaded into an
    /// optimizer that has trained on other gradients: loading returns `Ok` or a typed error and
    /// never panics; an error leaves the optimizer exactly as it was; an accepted state is
    /// what the optimizer then saves, and survives a step.
    fn corrupted_states<O: Checkpoint<Params = Net> + Clone + PartialEq + fmt::Debug>(
        make: impl Fn() -> O,
        rounds: usize,
    ) -> Tally {
        let mut trained = make();
        let mut p = net(0.0);
        for t in 0..3 {
            trained.step(&mut p, &net(t as f32));
        }
        let valid = trained.state_dict();
        // The target has a state of its own, so that a load that wrote part of its input
        // before failing would show.
        let mut target = make();
        let mut q = net(5.0);
        for t in 0..2 {
            target.step(&mut q, &net(t as f32 + 10.0));
        }
        // xorshift64: deterministic, so a failure reproduces.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const FLOATS: [f64; 7] = [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e300, -0.0, 0.5];
        let mut tally = Tally::default();
        for _ in 0..rounds {
            let mut s = valid.clone();
            for _ in 0..1 + next() % 3 {
                let pick = |n: usize, r: u64| (r % n.max(1) as u64) as usize;
                match next() % 12 {
                    0 => s.optimizer = ["SGD", "Adam", "", "adam"][pick(4, next())].into(),
                    1 => s.step = [0, 1, u64::MAX, next()][pick(4, next())],
                    2 if !s.param_groups.is_empty() => {
                        let g = pick(s.param_groups.len(), next());
                        s.param_groups[g].lr = FLOATS[pick(FLOATS.len(), next())];
                    }
                    3 if !s.param_groups.is_empty() => {
                        let g = pick(s.param_groups.len(), next());
                        s.param_groups[g].initial_lr =
                            Some(FLOATS[pick(FLOATS.len(), next())]).filter(|_| next() % 3 > 0);
                    }
                    4 if !s.param_groups.is_empty() => {
                        let g = pick(s.param_groups.len(), next());
                        let params = &mut s.param_groups[g].params;
                        match next() % 3 {
                            0 => params.push(pick(6, next())),
                            1 => {
                                params.pop();
                            }
                            _ => params.reverse(),
                        }
                    }
                    5 => match next() % 2 {
                        0 => {
                            s.param_groups.pop();
                        }
                        _ => s.param_groups.extend(valid.param_groups.first().cloned()),
                    },
                    6 if !s.state.is_empty() => {
                        let k = pick(s.state.len(), next());
                        s.state[k].tensor = [0, 1, 2, 3, 1000, usize::MAX][pick(6, next())];
                    }
                    7 if !s.state.is_empty() => {
                        let k = pick(s.state.len(), next());
                        match next() % 2 {
                            0 => {
                                s.state.remove(k);
                            }
                            _ => {
                                let copy = s.state[k].clone();
                                s.state.push(copy);
                            }
                        }
                    }
                    8..=10 if !s.state.is_empty() => {
                        let k = pick(s.state.len(), next());
                        let buffers = &mut s.state[k].buffers;
                        if buffers.is_empty() {
                            continue;
                        }
                        let b = pick(buffers.len(), next());
                        match next() % 5 {
                            0 => buffers[b].0 = "momentum".into(),
                            1 => buffers[b].1.push(1.0),
                            2 => buffers[b].1.clear(),
                            3 => buffers[b].1.fill(f32::NAN),
                            _ => {
                                buffers.remove(b);
                            }
                        }
                    }
                    _ => {
                        s = StateDict {
                            state: Vec::new(),
                            ..s
                        }
                    }
                }
            }
            tally.inputs += 1;
            let mut o = target.clone();
            let loaded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let result = o.load_state_dict(&s);
                let saved = result.is_ok().then(|| o.state_dict());
                if result.is_ok() {
                    let mut q = net(1.0);
                    o.step(&mut q, &net(2.0));
                }
                (result, saved, o)
            }));
            let Ok((result, saved, o)) = loaded else {
                panic!("loading panicked on {s:?}");
            };
            match result {
                Ok(()) => {
                    tally.accepted += 1;
                    let saved = saved.expect("saved after an accepted load");
                    assert!(same(&saved, &s), "loaded {s:?}\nbut saves {saved:?}");
                }
                Err(e) => {
                    *tally.rejected.entry(kind(&e)).or_default() += 1;
                    assert_eq!(o, target, "a failed load ({e}) changed the optimizer");
                }
            }
        }
        tally
    }

    #[test]
    fn corrupted_state_dicts_are_typed_errors() {
        let rounds = 4000;
        let tallies = [
            corrupted_states(
                || {
                    Sgd::<Net>::new(SgdConfig {
                        momentum: 0.9,
                        ..Default::default()
                    })
                    .unwrap()
                },
                rounds,
            ),
            corrupted_states(
                || {
                    Adam::<Net>::new(AdamConfig {
                        amsgrad: true,
                        ..Default::default()
                    })
                    .unwrap()
                },
                rounds,
            ),
            corrupted_states(
                || AdamW::<Net>::new(AdamWConfig::default()).unwrap(),
                rounds,
            ),
            corrupted_states(
                || {
                    RmsProp::<Net>::new(RmsPropConfig {
                        centered: true,
                        momentum: 0.5,
                        ..Default::default()
                    })
                    .unwrap()
                },
                rounds,
            ),
            corrupted_states(
                || Adagrad::<Net>::new(AdagradConfig::default()).unwrap(),
                rounds,
            ),
        ];
        for (name, t) in ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"]
            .iter()
            .zip(&tallies)
        {
            println!("{name}: {t:?}");
            let rejected: usize = t.rejected.values().sum();
            assert_eq!(t.accepted + rejected, t.inputs, "{name}: {t:?}");
            // Some corruptions are harmless (a step count, a NaN buffer, a finite rate), and
            // every kind of mismatch the mutations make is reported as its own error.
            assert!(t.accepted > 0, "{name} accepted nothing: {t:?}");
            for expected in [
                "InvalidHyperparameter",
                "WrongOptimizer",
                "GroupMismatch",
                "MissingState",
                "StateShape",
                "DuplicateState",
            ] {
                assert!(
                    t.rejected.get(expected).is_some_and(|&n| n > 0),
                    "{name}: no {expected} among {t:?}"
                );
            }
        }
    }
}
