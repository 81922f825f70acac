//! Schedulers with a one-line rule: StepLR, MultiStepLR, ExponentialLR, LinearLR, LambdaLR.

use super::{Base, Rule, Sched, scheduler_impl};
use crate::error::{OrPanic, Result, bail};
use crate::optim::Optimizer;
use ember_derive::panicking;
use std::collections::BTreeMap;
use std::sync::Arc;

fn scaled(lrs: Vec<f64>, k: f64) -> Vec<f64> {
    lrs.into_iter().map(|lr| lr * k).collect()
}

pub(crate) struct Step {
    step_size: i64,
    gamma: f64,
}

impl Rule for Step {
    fn compute(&mut self, b: &mut Base, _initial: bool) -> Result<Vec<f64>> {
        if b.last_epoch == 0 {
            return Ok(b.lrs());
        }
        if self.step_size == 0 {
            bail!(Value, "integer modulo by zero");
        }
        if b.last_epoch.rem_euclid(self.step_size) != 0 {
            return Ok(b.lrs());
        }
        Ok(scaled(b.lrs(), self.gamma))
    }
}

/// `torch.optim.lr_scheduler.StepLR`: multiplies the rate by `gamma` every `step_size`
/// epochs.
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{LRScheduler, StepLR}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = StepLR::new(&opt, 1, 0.5);
/// s.step();
/// assert_eq!(s.get_last_lr(), vec![0.5]);
/// ```
pub struct StepLR(Sched<Step>);

impl StepLR {
    /// `StepLR(optimizer, step_size, gamma)`; sets the epoch-0 rate.
    pub fn new(opt: &(impl Optimizer + ?Sized), step_size: usize, gamma: f64) -> StepLR {
        let rule = Step {
            step_size: step_size as i64,
            gamma,
        };
        StepLR(Sched::start(opt, rule).or_panic())
    }
}
scheduler_impl!(StepLR);

pub(crate) struct MultiStep {
    milestones: BTreeMap<i64, i32>,
    gamma: f64,
}

impl Rule for MultiStep {
    fn compute(&mut self, b: &mut Base, _initial: bool) -> Result<Vec<f64>> {
        Ok(match self.milestones.get(&b.last_epoch) {
            None => b.lrs(),
            Some(&n) => scaled(b.lrs(), self.gamma.powf(f64::from(n))),
        })
    }
}

/// `torch.optim.lr_scheduler.MultiStepLR`: multiplies the rate by `gamma` at each milestone
/// epoch (by `gamma^k` when a milestone is listed `k` times).
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{LRScheduler, MultiStepLR}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = MultiStepLR::new(&opt, &[2], 0.1);
/// s.step();
/// s.step();
/// assert_eq!(s.get_last_lr(), vec![0.1]);
/// ```
pub struct MultiStepLR(Sched<MultiStep>);

impl MultiStepLR {
    /// `MultiStepLR(optimizer, milestones, gamma)`; sets the epoch-0 rate.
    pub fn new(opt: &(impl Optimizer + ?Sized), milestones: &[usize], gamma: f64) -> MultiStepLR {
        let mut counts = BTreeMap::new();
        for &m in milestones {
            *counts.entry(m as i64).or_insert(0) += 1;
        }
        let rule = MultiStep {
            milestones: counts,
            gamma,
        };
        MultiStepLR(Sched::start(opt, rule).or_panic())
    }
}
scheduler_impl!(MultiStepLR);

pub(crate) struct Exponential {
    gamma: f64,
}

impl Rule for Exponential {
    fn compute(&mut self, b: &mut Base, initial: bool) -> Result<Vec<f64>> {
        if initial {
            return Ok(b.lrs());
        }
        Ok(scaled(b.lrs(), self.gamma))
    }
}

/// `torch.optim.lr_scheduler.ExponentialLR`: multiplies the rate by `gamma` every epoch.
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{ExponentialLR, LRScheduler}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = ExponentialLR::new(&opt, 0.5);
/// s.step();
/// s.step();
/// assert_eq!(s.get_last_lr(), vec![0.25]);
/// ```
pub struct ExponentialLR(Sched<Exponential>);

impl ExponentialLR {
    /// `ExponentialLR(optimizer, gamma)`.
    pub fn new(opt: &(impl Optimizer + ?Sized), gamma: f64) -> ExponentialLR {
        ExponentialLR(Sched::start(opt, Exponential { gamma }).or_panic())
    }
}
scheduler_impl!(ExponentialLR);

pub(crate) struct Linear {
    start_factor: f64,
    end_factor: f64,
    total_iters: i64,
}

impl Rule for Linear {
    fn compute(&mut self, b: &mut Base, initial: bool) -> Result<Vec<f64>> {
        if b.last_epoch == 0 {
            return Ok(scaled(b.lrs(), self.start_factor));
        }
        if initial || b.last_epoch > self.total_iters {
            return Ok(b.lrs());
        }
        let d = self.end_factor - self.start_factor;
        let k =
            1.0 + d / (self.total_iters as f64 * self.start_factor + (b.last_epoch - 1) as f64 * d);
        Ok(scaled(b.lrs(), k))
    }
}

/// `torch.optim.lr_scheduler.LinearLR`: scales the rate by a factor going linearly from
/// `start_factor` to `end_factor` over `total_iters` epochs.
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{LRScheduler, LinearLR}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = LinearLR::new(&opt, 0.5, 1.0, 2);
/// assert_eq!(s.get_last_lr(), vec![0.5]);
/// s.step();
/// assert_eq!(s.get_last_lr(), vec![0.75]);
/// ```
pub struct LinearLR(Sched<Linear>);

impl LinearLR {
    /// `LinearLR(optimizer, start_factor, end_factor, total_iters)` (PyTorch's defaults are
    /// 1/3, 1.0 and 5).
    ///
    /// # Errors
    /// PyTorch's checks of the factors.
    #[panicking(assoc)]
    pub fn try_new(
        opt: &(impl Optimizer + ?Sized),
        start_factor: f64,
        end_factor: f64,
        total_iters: usize,
    ) -> Result<LinearLR> {
        if start_factor > 1.0 || start_factor <= 0.0 {
            bail!(
                Value,
                "Starting multiplicative factor expected to be greater than 0 and less or equal to 1."
            );
        }
        // PyTorch's comparison, which lets NaN through; `contains` would not.
        #[allow(clippy::manual_range_contains)]
        if end_factor > 1.0 || end_factor < 0.0 {
            bail!(
                Value,
                "Ending multiplicative factor expected to be between 0 and 1."
            );
        }
        let rule = Linear {
            start_factor,
            end_factor,
            total_iters: total_iters as i64,
        };
        Sched::start(opt, rule).map(LinearLR)
    }
}
scheduler_impl!(LinearLR);

/// A learning-rate multiplier as a function of the epoch.
pub type LrLambda = Arc<dyn Fn(i64) -> f64 + Send + Sync>;

pub(crate) struct Lambda {
    lambdas: Vec<LrLambda>,
}

impl Rule for Lambda {
    fn compute(&mut self, b: &mut Base, _initial: bool) -> Result<Vec<f64>> {
        Ok(self
            .lambdas
            .iter()
            .zip(&b.base_lrs)
            .map(|(f, &lr)| lr * f(b.last_epoch))
            .collect())
    }
}

/// `torch.optim.lr_scheduler.LambdaLR`: the initial rate times `lr_lambda(epoch)`.
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{LRScheduler, LambdaLR}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = LambdaLR::new(&opt, |epoch| 1.0 / (epoch as f64 + 1.0));
/// s.step();
/// assert_eq!(s.get_last_lr(), vec![0.5]);
/// ```
pub struct LambdaLR(Sched<Lambda>);

impl LambdaLR {
    /// `LambdaLR(optimizer, lr_lambda)`: one function for every group.
    pub fn new(
        opt: &(impl Optimizer + ?Sized),
        lr_lambda: impl Fn(i64) -> f64 + Send + Sync + 'static,
    ) -> LambdaLR {
        let f: LrLambda = Arc::new(lr_lambda);
        let lambdas = vec![f; opt.num_param_groups()];
        LambdaLR(Sched::start(opt, Lambda { lambdas }).or_panic())
    }

    /// `LambdaLR(optimizer, [f0, f1, …])`: one function per group.
    ///
    /// # Errors
    /// When the number of functions differs from the number of groups.
    pub fn try_per_group(
        opt: &(impl Optimizer + ?Sized),
        lr_lambdas: Vec<LrLambda>,
    ) -> Result<LambdaLR> {
        let n = opt.num_param_groups();
        if lr_lambdas.len() != n {
            bail!(
                Value,
                "Expected {n} lr_lambdas, but got {}",
                lr_lambdas.len()
            );
        }
        Sched::start(
            opt,
            Lambda {
                lambdas: lr_lambdas,
            },
        )
        .map(LambdaLR)
    }
}
scheduler_impl!(LambdaLR);
