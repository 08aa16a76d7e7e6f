//! Optimizer steps, parameter groups and schedulers never touch the heap: with `std` an
//! optimizer's buffers are one allocation made when it is built (inline without `std`), and
//! nothing after that. A counting allocator proves it.

use backprop_runtime::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, CosineAnnealingLr, LinearLr,
    LrScheduler, Optimizer, ParamGroup, RmsProp, RmsPropConfig, Select, Sgd, SgdConfig, StepLr,
};
use backprop_runtime::{Parameters, Shape, Tensor, Zero};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt;

struct Counting;

thread_local! {
    // Per thread, so that the test harness's own threads do not count.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; counting has no effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

type W = [[f32; 16]; 8];

/// A model with two named tensors, for parameter groups.
struct Net {
    weight: [[f32; 16]; 8],
    bias: [f32; 8],
}

impl Zero for Net {
    fn zero() -> Self {
        Net {
            weight: Zero::zero(),
            bias: Zero::zero(),
        }
    }
    fn set_zero(&mut self) {
        self.weight.set_zero();
        self.bias.set_zero();
    }
}

impl Parameters for Net {
    const TENSORS: usize = 2;
    fn tensor(&self, k: usize) -> &[f32] {
        [self.weight.flat(), self.bias.flat()][k]
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
        if k == 0 {
            self.weight.flat_mut()
        } else {
            self.bias.flat_mut()
        }
    }
    fn shape(k: usize) -> Shape {
        [<[[f32; 16]; 8]>::SHAPE, <[f32; 8]>::SHAPE][k]
    }
    fn write_name(k: usize, out: &mut dyn fmt::Write) -> fmt::Result {
        out.write_str(["fc.weight", "fc.bias"][k])
    }
}

fn train<O: Optimizer, S: LrScheduler>(opt: &mut O, schedule: &mut S) {
    let mut w = O::Params::zero();
    let mut g = O::Params::zero();
    for k in 0..O::Params::TENSORS {
        w.tensor_mut(k).fill(0.5);
    }
    for t in 0..50 {
        opt.zero_grad(&mut g);
        for k in 0..O::Params::TENSORS {
            for (i, x) in g.tensor_mut(k).iter_mut().enumerate() {
                *x += ((t * 7 + k * 3 + i) as f32 * 0.1).sin();
            }
        }
        opt.step(&mut w, &g);
        schedule.step(opt).unwrap();
    }
    assert!((0..O::Params::TENSORS).all(|k| w.tensor(k).iter().all(|x| x.is_finite())));
}

/// Builds an optimizer: its buffers are one zeroed allocation, and nothing else is allocated.
fn build<O>(make: impl FnOnce() -> O) -> O {
    let mut opt = None;
    let n = allocations_during(|| opt = Some(make()));
    assert_eq!(n, 1, "building the optimizer allocated {n} times");
    opt.expect("built")
}

/// Attaches a schedule and trains 50 steps, counting the allocations.
fn allocations_training<O: Optimizer, S: LrScheduler>(
    opt: &mut O,
    schedule: impl FnOnce(&mut O) -> S,
) -> usize {
    allocations_during(|| {
        let mut s = schedule(opt);
        train(opt, &mut s);
    })
}

#[test]
fn training_loops_allocate_nothing() {
    // The counter works: a heap allocation counts.
    assert_eq!(
        allocations_during(|| drop(std::hint::black_box(Vec::<u8>::with_capacity(8)))),
        1
    );

    let mut grouped = build(|| {
        Sgd::<Net, 2>::with_groups([
            ParamGroup::new(
                Select::Prefix("fc.w"),
                SgdConfig {
                    lr: 0.1,
                    momentum: 0.9,
                    ..Default::default()
                },
            ),
            ParamGroup::new(
                Select::Rest,
                SgdConfig {
                    lr: 0.01,
                    ..Default::default()
                },
            ),
        ])
        .unwrap()
    });
    let mut sgd = build(|| {
        Sgd::<W>::new(SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        })
        .unwrap()
    });
    let mut adam = build(|| {
        Adam::<W>::new(AdamConfig {
            amsgrad: true,
            weight_decay: 0.1,
            ..Default::default()
        })
        .unwrap()
    });
    let mut adamw = build(|| AdamW::<W>::new(AdamWConfig::default()).unwrap());
    let mut rms = build(|| {
        RmsProp::<W>::new(RmsPropConfig {
            centered: true,
            momentum: 0.5,
            ..Default::default()
        })
        .unwrap()
    });
    let mut adagrad = build(|| Adagrad::<W>::new(AdagradConfig::default()).unwrap());

    let counts = [
        allocations_training(&mut grouped, |o| CosineAnnealingLr::new(o, 7, 0.0).unwrap()),
        allocations_training(&mut sgd, |o| StepLr::new(o, 5, 0.5).unwrap()),
        allocations_training(&mut adam, |o| CosineAnnealingLr::new(o, 10, 1e-4).unwrap()),
        allocations_training(&mut adamw, |o| LinearLr::new(o, 0.25, 1.0, 10).unwrap()),
        allocations_training(&mut rms, |o| StepLr::new(o, 3, 0.9).unwrap()),
        allocations_training(&mut adagrad, |o| StepLr::new(o, 3, 0.9).unwrap()),
    ];
    assert_eq!(counts, [0; 6], "the training loops allocated");
}
