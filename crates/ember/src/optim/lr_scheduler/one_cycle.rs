//! The 1cycle policy.

use super::{Base, Rule, Sched, scheduler_impl};
use crate::error::{OrPanic, Result, bail};
use crate::optim::{Optimizer, py_float};
use std::f64::consts::PI;

/// How [`OneCycleLR`] interpolates within a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum AnnealStrategy {
    /// Cosine annealing (PyTorch's `"cos"`, the default).
    #[default]
    Cos,
    /// Linear annealing (`"linear"`).
    Linear,
}

impl AnnealStrategy {
    fn apply(self, start: f64, end: f64, pct: f64) -> f64 {
        match self {
            AnnealStrategy::Cos => end + (start - end) / 2.0 * ((PI * pct).cos() + 1.0),
            AnnealStrategy::Linear => (end - start) * pct + start,
        }
    }
}

/// [`OneCycleLR`]'s options besides `max_lr`, defaults as PyTorch's. Give either
/// `total_steps`, or `epochs` and `steps_per_epoch`.
#[derive(Clone, Debug, PartialEq)]
pub struct OneCycleOptions {
    /// Total number of steps in the cycle.
    pub total_steps: Option<usize>,
    /// Epochs (with `steps_per_epoch`, when `total_steps` is `None`).
    pub epochs: Option<usize>,
    /// Steps per epoch.
    pub steps_per_epoch: Option<usize>,
    /// Fraction of the cycle spent increasing the rate (default 0.3).
    pub pct_start: f64,
    /// Cosine or linear annealing (default cosine).
    pub anneal_strategy: AnnealStrategy,
    /// Cycle momentum (or Adam's beta1) inversely to the rate (default true).
    pub cycle_momentum: bool,
    /// Lowest momentum (default 0.85).
    pub base_momentum: f64,
    /// Highest momentum (default 0.95).
    pub max_momentum: f64,
    /// `initial_lr = max_lr / div_factor` (default 25).
    pub div_factor: f64,
    /// `min_lr = initial_lr / final_div_factor` (default 1e4).
    pub final_div_factor: f64,
    /// Use a third phase that anneals to `min_lr` (default false).
    pub three_phase: bool,
}

impl Default for OneCycleOptions {
    fn default() -> Self {
        OneCycleOptions {
            total_steps: None,
            epochs: None,
            steps_per_epoch: None,
            pct_start: 0.3,
            anneal_strategy: AnnealStrategy::Cos,
            cycle_momentum: true,
            base_momentum: 0.85,
            max_momentum: 0.95,
            div_factor: 25.0,
            final_div_factor: 1e4,
            three_phase: false,
        }
    }
}

#[derive(Clone, Copy)]
enum Lr {
    Initial,
    Max,
    Min,
}

#[derive(Clone, Copy)]
enum Mom {
    Base,
    Max,
}

struct Phase {
    end_step: f64,
    start_lr: Lr,
    end_lr: Lr,
    start_momentum: Mom,
    end_momentum: Mom,
}

struct GroupLrs {
    initial: f64,
    max: f64,
    min: f64,
    base_momentum: f64,
    max_momentum: f64,
}

impl GroupLrs {
    fn lr(&self, which: Lr) -> f64 {
        match which {
            Lr::Initial => self.initial,
            Lr::Max => self.max,
            Lr::Min => self.min,
        }
    }

    fn momentum(&self, which: Mom) -> f64 {
        match which {
            Mom::Base => self.base_momentum,
            Mom::Max => self.max_momentum,
        }
    }
}

pub(crate) struct OneCycle {
    total_steps: usize,
    phases: Vec<Phase>,
    anneal: AnnealStrategy,
    cycle_momentum: bool,
    use_beta1: bool,
    groups: Vec<GroupLrs>,
}

impl Rule for OneCycle {
    fn compute(&mut self, b: &mut Base, _initial: bool) -> Result<Vec<f64>> {
        let step_num = b.last_epoch;
        if step_num > self.total_steps as i64 {
            bail!(
                Value,
                "Tried to step {step_num} times. The specified number of total steps is {}",
                self.total_steps
            );
        }
        let step = step_num as f64;
        let mut lrs = Vec::with_capacity(self.groups.len());
        let mut moms = Vec::with_capacity(self.groups.len());
        for g in &self.groups {
            let mut start_step = 0.0;
            for (i, ph) in self.phases.iter().enumerate() {
                if step <= ph.end_step || i == self.phases.len() - 1 {
                    let pct = (step - start_step) / (ph.end_step - start_step);
                    lrs.push(self.anneal.apply(g.lr(ph.start_lr), g.lr(ph.end_lr), pct));
                    moms.push(self.anneal.apply(
                        g.momentum(ph.start_momentum),
                        g.momentum(ph.end_momentum),
                        pct,
                    ));
                    break;
                }
                start_step = ph.end_step;
            }
        }
        if self.cycle_momentum {
            set_momentum(b.opt.as_ref(), &moms, self.use_beta1);
        }
        Ok(lrs)
    }
}

fn set_momentum(opt: &dyn Optimizer, moms: &[f64], use_beta1: bool) {
    opt.visit_group_options(&mut |i, g| {
        let Some(&m) = moms.get(i) else { return };
        if use_beta1 {
            if let Some((_, b2)) = g.betas() {
                g.set_betas((m, b2));
            }
        } else {
            g.set_momentum(m);
        }
    });
}

/// `torch.optim.lr_scheduler.OneCycleLR`: the rate rises from `max_lr / div_factor` to
/// `max_lr` over the first `pct_start` of the cycle, then anneals to a minimum far below
/// the start; momentum (or Adam's beta1) cycles the opposite way. Step it once per batch.
///
/// ```
/// use ember::optim::{SGD, lr_scheduler::{LRScheduler, OneCycleLR}};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 0.1);
/// let mut s = OneCycleLR::new(&opt, 1.0, 10);
/// assert!((s.get_last_lr()[0] - 0.04).abs() < 1e-12);
/// for _ in 0..10 {
///     s.step();
/// }
/// assert!(s.try_step().is_err());
/// ```
pub struct OneCycleLR(Sched<OneCycle>);

impl OneCycleLR {
    /// `OneCycleLR(optimizer, max_lr, total_steps)` with PyTorch's other defaults.
    ///
    /// # Panics
    /// As the `try_` form's errors.
    #[track_caller]
    pub fn new(opt: &(impl Optimizer + ?Sized), max_lr: f64, total_steps: usize) -> OneCycleLR {
        let o = OneCycleOptions {
            total_steps: Some(total_steps),
            ..Default::default()
        };
        Self::try_with(opt, max_lr, o).or_panic()
    }

    /// `OneCycleLR(optimizer, max_lr, **options)`.
    ///
    /// # Errors
    /// PyTorch's checks: the number of steps, `pct_start` outside [0, 1], and an optimizer
    /// with neither momentum nor betas while `cycle_momentum` is set.
    pub fn try_with(
        opt: &(impl Optimizer + ?Sized),
        max_lr: f64,
        o: OneCycleOptions,
    ) -> Result<OneCycleLR> {
        let total_steps = match (o.total_steps, o.epochs, o.steps_per_epoch) {
            (Some(0), _, _) => bail!(Value, "Expected positive integer total_steps, but got 0"),
            (Some(t), _, _) => t,
            (None, Some(0), Some(_)) => {
                bail!(Value, "Expected positive integer epochs, but got 0")
            }
            (None, Some(_), Some(0)) => {
                bail!(
                    Value,
                    "Expected positive integer steps_per_epoch, but got 0"
                )
            }
            (None, Some(e), Some(s)) => e * s,
            _ => bail!(
                Value,
                "You must define either total_steps OR (epochs AND steps_per_epoch)"
            ),
        };
        let ts = total_steps as f64;
        let pct = o.pct_start;
        let phases = if o.three_phase {
            vec![
                Phase {
                    end_step: pct * ts - 1.0,
                    start_lr: Lr::Initial,
                    end_lr: Lr::Max,
                    start_momentum: Mom::Max,
                    end_momentum: Mom::Base,
                },
                Phase {
                    end_step: 2.0 * pct * ts - 2.0,
                    start_lr: Lr::Max,
                    end_lr: Lr::Initial,
                    start_momentum: Mom::Base,
                    end_momentum: Mom::Max,
                },
                Phase {
                    end_step: ts - 1.0,
                    start_lr: Lr::Initial,
                    end_lr: Lr::Min,
                    start_momentum: Mom::Max,
                    end_momentum: Mom::Max,
                },
            ]
        } else {
            vec![
                Phase {
                    end_step: pct * ts - 1.0,
                    start_lr: Lr::Initial,
                    end_lr: Lr::Max,
                    start_momentum: Mom::Max,
                    end_momentum: Mom::Base,
                },
                Phase {
                    end_step: ts - 1.0,
                    start_lr: Lr::Max,
                    end_lr: Lr::Min,
                    start_momentum: Mom::Base,
                    end_momentum: Mom::Max,
                },
            ]
        };
        if !(0.0..=1.0).contains(&pct) {
            bail!(
                Value,
                "Expected float between 0 and 1 pct_start, but got {}",
                py_float(pct)
            );
        }
        let n = opt.num_param_groups();
        let groups: Vec<GroupLrs> = (0..n)
            .map(|_| {
                let initial = max_lr / o.div_factor;
                GroupLrs {
                    initial,
                    max: max_lr,
                    min: initial / o.final_div_factor,
                    base_momentum: o.base_momentum,
                    max_momentum: o.max_momentum,
                }
            })
            .collect();
        let mut use_beta1 = false;
        if o.cycle_momentum {
            let (mut has_momentum, mut has_betas) = (false, false);
            opt.visit_group_options(&mut |i, g| {
                if i == 0 {
                    has_momentum = g.momentum().is_some();
                    has_betas = g.betas().is_some();
                }
            });
            if !has_momentum && !has_betas {
                bail!(
                    Value,
                    "optimizer must support momentum or beta1 with `cycle_momentum` option enabled"
                );
            }
            use_beta1 = has_betas;
            set_momentum(&*opt.handle(), &vec![o.max_momentum; n], use_beta1);
        }
        let rule = OneCycle {
            total_steps,
            phases,
            anneal: o.anneal_strategy,
            cycle_momentum: o.cycle_momentum,
            use_beta1,
            groups,
        };
        // PyTorch's base class records `initial_lr`, which 1cycle sets to max_lr / div_factor.
        let mut s = Sched {
            base: Base::new(opt),
            rule,
        };
        s.base.base_lrs = s.rule.groups.iter().map(|g| g.initial).collect();
        s.step()?;
        Ok(OneCycleLR(s))
    }
}
scheduler_impl!(OneCycleLR);
