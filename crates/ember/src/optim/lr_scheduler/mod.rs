//! Learning-rate schedulers (`torch.optim.lr_scheduler`).
//!
//! A scheduler keeps a handle to its optimizer and sets each group's learning rate when it
//! steps, computing the values as PyTorch's `get_lr` does (recursively from the current
//! rate, so the numbers match PyTorch's to the last bit). As in PyTorch, constructing a
//! scheduler already sets the rate for epoch 0, and the loop calls `optimizer.step()` before
//! `scheduler.step()`.
//!
//! ```
//! use ember::optim::{Optimizer, SGD, lr_scheduler::{LRScheduler, StepLR}};
//!
//! let p = ember::zeros([2]).requires_grad_(true);
//! let mut opt = SGD::new(vec![p.clone()], 0.1);
//! let mut sched = StepLR::new(&opt, 2, 0.5);
//! let mut lrs = Vec::new();
//! for _ in 0..4 {
//!     opt.step().unwrap();
//!     sched.step();
//!     lrs.push(sched.get_last_lr()[0]);
//! }
//! assert_eq!(lrs, vec![0.1, 0.05, 0.05, 0.025]);
//! assert_eq!(opt.param_groups()[0].lr, 0.025);
//! ```

mod cosine;
mod one_cycle;
mod plateau;
mod simple;

pub use cosine::CosineAnnealingLR;
pub use one_cycle::{AnnealStrategy, OneCycleLR, OneCycleOptions};
pub use plateau::{PlateauMode, ReduceLROnPlateau, ReduceLROnPlateauOptions, ThresholdMode};
pub use simple::{ExponentialLR, LambdaLR, LinearLR, MultiStepLR, StepLR};

use super::Optimizer;
use crate::error::Result;
use ember_derive::panicking;

/// What every epoch-driven scheduler offers (PyTorch's `LRScheduler`).
/// [`ReduceLROnPlateau`] steps on a metric instead and has its own `step(metric)`.
pub trait LRScheduler {
    /// `scheduler.step()`: advances one epoch and sets the optimizer's learning rates.
    ///
    /// # Errors
    /// As PyTorch's `get_lr` (stepping [`OneCycleLR`] past its total steps, …).
    #[panicking]
    fn try_step(&mut self) -> Result<()>;

    /// `scheduler.get_last_lr()`: the learning rates the last step set, one per group.
    fn get_last_lr(&self) -> Vec<f64>;

    /// `scheduler.last_epoch`: how many steps were taken (0 after construction).
    fn last_epoch(&self) -> i64;
}

/// What PyTorch's `LRScheduler` base class keeps.
pub(crate) struct Base {
    pub opt: Box<dyn Optimizer>,
    /// Each group's learning rate when the scheduler was made (`initial_lr`).
    pub base_lrs: Vec<f64>,
    pub last_epoch: i64,
    pub step_count: u64,
    pub last_lr: Vec<f64>,
}

impl Base {
    pub fn new(opt: &(impl Optimizer + ?Sized)) -> Base {
        let opt = opt.handle();
        let base_lrs = opt.lrs();
        Base {
            opt,
            base_lrs,
            last_epoch: -1,
            step_count: 0,
            last_lr: Vec::new(),
        }
    }

    /// The groups' current learning rates.
    pub fn lrs(&self) -> Vec<f64> {
        self.opt.lrs()
    }

    /// One step: `get_lr` sees the new epoch and whether this is the step the constructor
    /// takes (PyTorch's `_is_initial`).
    pub fn advance(
        &mut self,
        get_lr: impl FnOnce(&mut Base, bool) -> Result<Vec<f64>>,
    ) -> Result<()> {
        let initial = self.step_count == 0;
        self.step_count += 1;
        self.last_epoch += 1;
        let values = get_lr(self, initial)?;
        self.opt.set_lrs(&values);
        self.last_lr = self.opt.lrs();
        Ok(())
    }
}

/// A scheduler's own rule: PyTorch's `get_lr`, given the shared state.
pub(crate) trait Rule: Send {
    fn compute(&mut self, base: &mut Base, initial: bool) -> Result<Vec<f64>>;
}

/// A scheduler: the shared state plus its rule.
pub(crate) struct Sched<R> {
    pub base: Base,
    pub rule: R,
}

impl<R: Rule> Sched<R> {
    pub fn start(opt: &(impl Optimizer + ?Sized), rule: R) -> Result<Sched<R>> {
        let mut s = Sched {
            base: Base::new(opt),
            rule,
        };
        s.step()?;
        Ok(s)
    }

    pub fn step(&mut self) -> Result<()> {
        let rule = &mut self.rule;
        self.base.advance(|b, initial| rule.compute(b, initial))
    }
}

/// Implements [`LRScheduler`] for a newtype over [`Sched`].
macro_rules! scheduler_impl {
    ($t:ty) => {
        impl crate::optim::lr_scheduler::LRScheduler for $t {
            fn try_step(&mut self) -> crate::Result<()> {
                self.0.step()
            }

            fn get_last_lr(&self) -> Vec<f64> {
                self.0.base.last_lr.clone()
            }

            fn last_epoch(&self) -> i64 {
                self.0.base.last_epoch
            }
        }
    };
}
pub(crate) use scheduler_impl;
