//! Parameter groups: sets of tensors of a parameter tree, each with its own hyperparameters.

use super::error::OptimError;
use crate::params::Parameters;
use crate::tensor::Real;
use core::fmt;

/// The hyperparameters of one parameter group of an optimizer.
pub trait OptimConfig: Copy {
    /// The learning rate.
    fn lr(&self) -> f64;
    /// Replaces the learning rate (unchecked; [`validate`](OptimConfig::validate) checks).
    fn set_lr(&mut self, lr: f64);
    /// `Ok` if PyTorch would accept these values.
    fn validate(&self) -> Result<(), OptimError>;
}

/// Implements [`OptimConfig`] for a configuration struct with an `lr` field: `validate` runs
/// the listed range checks of [`error`](super::error) in order, `check("name", field)` (PyTorch's
/// order, so the first bad value is the one PyTorch names), then `then(&self)` if given.
macro_rules! optim_config {
    ($config:ident: $($check:ident($name:literal, $($field:tt)+)),+ $(; then $extra:expr)?) => {
        impl $crate::optim::OptimConfig for $config {
            fn lr(&self) -> f64 {
                self.lr
            }
            fn set_lr(&mut self, lr: f64) {
                self.lr = lr;
            }
            fn validate(&self) -> Result<(), $crate::optim::OptimError> {
                $($crate::optim::error::$check($name, self.$($field)+)?;)+
                $(($extra)(self)?;)?
                Ok(())
            }
        }
    };
}
pub(crate) use optim_config;

/// Which tensors of a [`Parameters`] tree a parameter group holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// Every tensor.
    All,
    /// The tensors whose dotted name starts with this prefix, e.g. `"layer1."`.
    Prefix(&'static str),
    /// The tensors with these indices (`0..Parameters::TENSORS`).
    Tensors(&'static [usize]),
    /// Every tensor no other group selects.
    Rest,
}

/// A set of tensors and the hyperparameters they are updated with (PyTorch's `param_groups`
/// entries).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamGroup<C> {
    /// The tensors of the group.
    pub select: Select,
    /// Their hyperparameters.
    pub config: C,
}

impl<C> ParamGroup<C> {
    /// A group of the tensors `select` picks, updated with `config`.
    pub fn new(select: Select, config: C) -> Self {
        ParamGroup { select, config }
    }
}

/// The groups of an optimizer, checked to be disjoint and non-empty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Groups<C, const G: usize> {
    groups: [ParamGroup<C>; G],
    /// PyTorch's `group["initial_lr"]`, set when the first scheduler is attached.
    initial_lr: [Option<f64>; G],
}

impl<C: OptimConfig, const G: usize> Groups<C, G> {
    /// Checks every config and that each group selects at least one tensor of `P`, no tensor
    /// twice.
    pub(crate) fn new<P: Parameters<F>, F: Real>(
        groups: [ParamGroup<C>; G],
    ) -> Result<Self, OptimError> {
        if G == 0 {
            return Err(OptimError::NoGroups);
        }
        for group in &groups {
            group.config.validate()?;
        }
        for (group, g) in groups.iter().enumerate() {
            if let Select::Tensors(indices) = g.select {
                if let Some(&tensor) = indices.iter().find(|&&k| k >= P::TENSORS) {
                    return Err(OptimError::TensorOutOfRange {
                        group,
                        tensor,
                        tensors: P::TENSORS,
                    });
                }
            }
        }
        let this = Groups {
            groups,
            initial_lr: [None; G],
        };
        let mut used = [false; G];
        for k in 0..P::TENSORS {
            let mut owner = None;
            for (g, group) in this.groups.iter().enumerate() {
                if this.selects::<P, F>(group.select, k) {
                    if let Some(first) = owner {
                        return Err(OptimError::OverlappingGroups {
                            tensor: k,
                            first,
                            second: g,
                        });
                    }
                    owner = Some(g);
                }
            }
            if let Some(g) = owner {
                used[g] = true;
            }
        }
        match used.iter().position(|&u| !u) {
            Some(group) => Err(OptimError::EmptyGroup { group }),
            None => Ok(this),
        }
    }

    /// Whether `select` holds tensor `k`, `Rest` meaning "no explicit group holds it".
    fn selects<P: Parameters<F>, F: Real>(&self, select: Select, k: usize) -> bool {
        match select {
            Select::Rest => !self
                .groups
                .iter()
                .any(|g| g.select != Select::Rest && selects_explicitly::<P, F>(g.select, k)),
            explicit => selects_explicitly::<P, F>(explicit, k),
        }
    }

    /// The group holding tensor `k`, if any.
    pub(crate) fn group_of<P: Parameters<F>, F: Real>(&self, k: usize) -> Option<usize> {
        (0..G).find(|&g| self.selects::<P, F>(self.groups[g].select, k))
    }

    /// The hyperparameters of group `g` (which exists).
    pub(crate) fn config(&self, g: usize) -> &C {
        &self.groups[g].config
    }

    pub(crate) fn lr(&self, group: usize) -> Option<f64> {
        self.groups.get(group).map(|g| g.config.lr())
    }

    pub(crate) fn set_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        let g = self
            .groups
            .get_mut(group)
            .ok_or(OptimError::NoSuchGroup { group, groups: G })?;
        let mut config = g.config;
        config.set_lr(lr);
        config.validate()?;
        g.config = config;
        Ok(())
    }

    pub(crate) fn initial_lr(&self, group: usize) -> Option<f64> {
        self.initial_lr.get(group).copied().flatten()
    }

    pub(crate) fn set_initial_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        super::error::non_negative("initial_lr", lr)?;
        let slot = self
            .initial_lr
            .get_mut(group)
            .ok_or(OptimError::NoSuchGroup { group, groups: G })?;
        *slot = Some(lr);
        Ok(())
    }
}

/// Whether a non-`Rest` selection holds tensor `k`.
fn selects_explicitly<P: Parameters<F>, F: Real>(select: Select, k: usize) -> bool {
    match select {
        Select::All => true,
        Select::Prefix(prefix) => {
            let mut probe = PrefixProbe {
                rest: prefix.as_bytes(),
                matches: true,
            };
            // The probe never fails; a failing `write_name` means no match.
            P::write_name(k, &mut probe).is_ok() && probe.matches && probe.rest.is_empty()
        }
        Select::Tensors(indices) => indices.contains(&k),
        Select::Rest => false,
    }
}

/// Checks that a name starts with a prefix as the name is written, without allocating it.
struct PrefixProbe<'a> {
    rest: &'a [u8],
    matches: bool,
}

impl fmt::Write for PrefixProbe<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.rest.len());
        if self.matches {
            if s.as_bytes()[..n] == self.rest[..n] {
                self.rest = &self.rest[n..];
            } else {
                self.matches = false;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::tensor::{Shape, Tensor, Zero};

    /// A two-layer model with PyTorch names, for group and optimizer tests.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub(crate) struct Net {
        pub(crate) w1: [[f32; 2]; 2],
        pub(crate) b1: [f32; 2],
        pub(crate) w2: [f32; 2],
    }

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
            match k {
                0 => self.w1.flat(),
                1 => self.b1.flat(),
                2 => self.w2.flat(),
                _ => panic!("tensor index out of range"),
            }
        }
        fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
            match k {
                0 => self.w1.flat_mut(),
                1 => self.b1.flat_mut(),
                2 => self.w2.flat_mut(),
                _ => panic!("tensor index out of range"),
            }
        }
        fn shape(k: usize) -> Shape {
            [<[[f32; 2]; 2]>::SHAPE, <[f32; 2]>::SHAPE, <[f32; 2]>::SHAPE][k]
        }
        fn write_name(k: usize, out: &mut dyn fmt::Write) -> fmt::Result {
            out.write_str(["layer1", "layer1", "layer2"][k])?;
            out.write_str(".")?;
            out.write_str(["weight", "bias", "weight"][k])
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    struct Lr(f64);

    impl OptimConfig for Lr {
        fn lr(&self) -> f64 {
            self.0
        }
        fn set_lr(&mut self, lr: f64) {
            self.0 = lr;
        }
        fn validate(&self) -> Result<(), OptimError> {
            super::super::error::non_negative("lr", self.0)
        }
    }

    fn groups<const G: usize>(selects: [Select; G]) -> Result<Groups<Lr, G>, OptimError> {
        Groups::new::<Net, f32>(selects.map(|s| ParamGroup::new(s, Lr(0.1))))
    }

    #[test]
    fn prefixes_select_by_dotted_name() {
        let g = groups([Select::Prefix("layer2."), Select::Prefix("layer1.")]).unwrap();
        assert_eq!(g.group_of::<Net, f32>(0), Some(1));
        assert_eq!(g.group_of::<Net, f32>(1), Some(1));
        assert_eq!(g.group_of::<Net, f32>(2), Some(0));
        // A prefix longer than the written pieces, and one that differs after a piece.
        let g = groups([Select::Prefix("layer1.bias")]).unwrap();
        assert_eq!(g.group_of::<Net, f32>(0), None);
        assert_eq!(g.group_of::<Net, f32>(1), Some(0));
        assert!(groups([Select::Prefix("layer1.biased")]).is_err());
    }

    #[test]
    fn rest_takes_what_no_other_group_takes() {
        let g = groups([Select::Rest, Select::Tensors(&[1])]).unwrap();
        assert_eq!(g.group_of::<Net, f32>(0), Some(0));
        assert_eq!(g.group_of::<Net, f32>(1), Some(1));
        assert_eq!(g.group_of::<Net, f32>(2), Some(0));
    }

    #[test]
    fn bad_groups_are_typed_errors() {
        assert_eq!(groups([]).unwrap_err(), OptimError::NoGroups);
        assert_eq!(
            groups([Select::All, Select::Prefix("layer2")]).unwrap_err(),
            OptimError::OverlappingGroups {
                tensor: 2,
                first: 0,
                second: 1
            }
        );
        assert_eq!(
            groups([Select::Prefix("layer3.")]).unwrap_err(),
            OptimError::EmptyGroup { group: 0 }
        );
        assert_eq!(
            groups([Select::All, Select::Rest]).unwrap_err(),
            OptimError::EmptyGroup { group: 1 }
        );
        assert_eq!(
            groups([Select::Tensors(&[0, 3])]).unwrap_err(),
            OptimError::TensorOutOfRange {
                group: 0,
                tensor: 3,
                tensors: 3
            }
        );
    }

    #[test]
    fn set_lr_validates_and_leaves_bad_values_out() {
        let mut g = groups([Select::All]).unwrap();
        assert!(g.set_lr(0, -1.0).is_err());
        assert_eq!(g.lr(0), Some(0.1));
        g.set_lr(0, 0.5).unwrap();
        assert_eq!(g.lr(0), Some(0.5));
        assert_eq!(
            g.set_lr(1, 0.5),
            Err(OptimError::NoSuchGroup {
                group: 1,
                groups: 1
            })
        );
    }
}
