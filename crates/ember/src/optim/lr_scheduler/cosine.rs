//! Cosine annealing.

use super::{Base, Rule, Sched, scheduler_impl};
use crate::error::{OrPanic, Result, bail};
use crate::optim::Optimizer;
use std::f64::consts::PI;

pub(crate) struct Cosine {
    t_max: i64,
    eta_min: f64,
}

impl Rule for Cosine {
    fn compute(&mut self, b: &mut Base, initial: bool) -> Result<Vec<f64>> {
        if initial {
            return Ok(b.lrs());
        }
        if self.t_max == 0 {
            bail!(Value, "float division by zero");
        }
        let (t, tm, eta) = (b.last_epoch, self.t_max as f64, self.eta_min);
        let e = t as f64;
        if b.step_count == 1 && t > 0 {
            return Ok(b
                .base_lrs
                .iter()
                .map(|&base| eta + (base - eta) * (1.0 + (e * PI / tm).cos()) / 2.0)
                .collect());
        }
        if (t - 1 - self.t_max).rem_euclid(2 * self.t_max) == 0 {
            return Ok(b
                .lrs()
                .iter()
                .zip(&b.base_lrs)
                .map(|(&lr, &base)| lr + (base - eta) * (1.0 - (PI / tm).cos()) / 2.0)
                .collect());
        }
        Ok(b.lrs()
            .iter()
            .map(|&lr| {
                (1.0 + (PI * e / tm).cos()) / (1.0 + (PI * (e - 1.0) / tm).cos()) * (lr - eta) + eta
            })
            .collect())
    }
}

/// `torch.optim.lr_scheduler.CosineAnnealingLR`: the rate follows a cosine from its initial
/// value down to `eta_min` over `T_max` epochs (and back up after), computed with PyTorch's
/// recursive formula so values match step for step.
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{CosineAnnealingLR, LRScheduler}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = CosineAnnealingLR::new(&opt, 2, 0.0);
/// s.step();
/// assert!((s.get_last_lr()[0] - 0.5).abs() < 1e-12);
/// s.step();
/// assert!(s.get_last_lr()[0].abs() < 1e-12);
/// ```
pub struct CosineAnnealingLR(Sched<Cosine>);

impl CosineAnnealingLR {
    /// `CosineAnnealingLR(optimizer, T_max, eta_min)`.
    pub fn new(opt: &(impl Optimizer + ?Sized), t_max: usize, eta_min: f64) -> CosineAnnealingLR {
        let rule = Cosine {
            t_max: t_max as i64,
            eta_min,
        };
        CosineAnnealingLR(Sched::start(opt, rule).or_panic())
    }
}
scheduler_impl!(CosineAnnealingLR);
