//! The shape of the optimizer API: an optimizer of one's own needs only `step`, `steps` and
//! the learning rates, with or without `std` (saving its state is the separate `Checkpoint`),
//! and schedulers are objects.

use backprop_runtime::optim::{
    ExponentialLr, LearningRates, LrScheduler, MultiStepLr, OptimError, Optimizer, Sgd, SgdConfig,
    StepLr,
};

/// Plain gradient descent written outside the crate, as a `no_std` crate would write it: no
/// `state_dict`, although this test builds the runtime with `std`.
struct Descent {
    lr: f64,
    initial_lr: Option<f64>,
    steps: u64,
}

impl LearningRates for Descent {
    fn num_groups(&self) -> usize {
        1
    }
    fn lr(&self, group: usize) -> Option<f64> {
        (group == 0).then_some(self.lr)
    }
    fn set_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        if group != 0 {
            return Err(OptimError::NoSuchGroup { group, groups: 1 });
        }
        self.lr = lr;
        Ok(())
    }
    fn initial_lr(&self, group: usize) -> Option<f64> {
        self.initial_lr.filter(|_| group == 0)
    }
    fn set_initial_lr(&mut self, group: usize, lr: f64) -> Result<(), OptimError> {
        if group != 0 {
            return Err(OptimError::NoSuchGroup { group, groups: 1 });
        }
        self.initial_lr = Some(lr);
        Ok(())
    }
}

impl Optimizer for Descent {
    type Params = [f32; 2];
    fn step(&mut self, params: &mut [f32; 2], grads: &[f32; 2]) {
        for (p, g) in params.iter_mut().zip(grads) {
            *p -= self.lr as f32 * g;
        }
        self.steps += 1;
    }
    fn steps(&self) -> u64 {
        self.steps
    }
}

#[test]
fn an_optimizer_of_ones_own_needs_no_saved_state() {
    let mut opt = Descent {
        lr: 0.5,
        initial_lr: None,
        steps: 0,
    };
    let mut schedule = StepLr::new(&mut opt, 1, 0.5).unwrap();
    let mut w = [1.0f32, -1.0];
    for _ in 0..3 {
        opt.step(&mut w, &[1.0, 1.0]);
        schedule.step(&mut opt).unwrap();
    }
    // Steps of 0.5, 0.25 and 0.125.
    assert_eq!(w, [0.125, -1.875]);
    assert_eq!((opt.steps(), opt.lr(0)), (3, Some(0.0625)));
}

#[test]
fn chained_schedulers_are_a_list_of_objects() {
    let mut opt = Sgd::<[f32; 3]>::new(SgdConfig {
        lr: 0.1,
        ..Default::default()
    })
    .unwrap();
    let mut schedules: Vec<Box<dyn LrScheduler>> = vec![
        Box::new(StepLr::new(&mut opt, 2, 0.5).unwrap()),
        Box::new(ExponentialLr::new(&mut opt, 0.9).unwrap()),
        Box::new(MultiStepLr::new(&mut opt, &[3], 0.1).unwrap()),
    ];
    let (mut w, g) = ([1.0f32; 3], [0.5f32; 3]);
    for epoch in 1..=6u32 {
        opt.step(&mut w, &g);
        for s in schedules.iter_mut() {
            s.step(&mut opt).unwrap();
        }
        // Each schedule multiplies the rate it is given: the product of the three.
        let halvings = epoch / 2;
        let milestone = if epoch >= 3 { 0.1 } else { 1.0 };
        let expected = 0.1 * 0.5f64.powi(halvings as i32) * 0.9f64.powi(epoch as i32) * milestone;
        let lr = opt.lr(0).unwrap();
        assert!(
            (lr - expected).abs() < 1e-15,
            "epoch {epoch}: {lr} vs {expected}"
        );
        assert!(schedules.iter().all(|s| s.last_epoch() == u64::from(epoch)));
    }
}

#[test]
fn a_scheduler_takes_an_optimizer_behind_dyn() {
    let mut sgd = Sgd::<f32>::new(SgdConfig::default()).unwrap();
    let opt: &mut dyn Optimizer<Params = f32> = &mut sgd;
    let mut schedule = ExponentialLr::new(opt, 0.5).unwrap();
    schedule.step(opt).unwrap();
    assert_eq!(opt.lr(0), Some(0.0005));
}
