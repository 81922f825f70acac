//! Reducing the rate when a metric stops improving.

use crate::error::{Result, bail};
use crate::optim::Optimizer;
use ember_derive::panicking;

/// Whether a lower or a higher metric is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PlateauMode {
    /// Lower is better (a loss; PyTorch's `"min"`, the default).
    #[default]
    Min,
    /// Higher is better (an accuracy; `"max"`).
    Max,
}

/// How `threshold` defines a significant improvement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThresholdMode {
    /// Relative to the best value (`"rel"`, the default).
    #[default]
    Rel,
    /// An absolute margin (`"abs"`).
    Abs,
}

/// [`ReduceLROnPlateau`]'s options, defaults as PyTorch's.
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLROnPlateauOptions {
    /// Whether lower or higher is better (default min).
    pub mode: PlateauMode,
    /// The rate is multiplied by this on a plateau (default 0.1; must be < 1).
    pub factor: f64,
    /// Epochs without improvement tolerated before reducing (default 10).
    pub patience: usize,
    /// Margin of a significant improvement (default 1e-4).
    pub threshold: f64,
    /// Relative or absolute threshold (default relative).
    pub threshold_mode: ThresholdMode,
    /// Epochs to wait after a reduction before counting again (default 0).
    pub cooldown: usize,
    /// Lower bound of the rate, for every group (default 0).
    pub min_lr: f64,
    /// Per-group lower bounds, overriding `min_lr` when given.
    pub min_lrs: Option<Vec<f64>>,
    /// Reductions smaller than this are skipped (default 1e-8).
    pub eps: f64,
}

impl Default for ReduceLROnPlateauOptions {
    fn default() -> Self {
        ReduceLROnPlateauOptions {
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            min_lrs: None,
            eps: 1e-8,
        }
    }
}

/// `torch.optim.lr_scheduler.ReduceLROnPlateau`: multiplies the rate by `factor` once the
/// metric given to `step` has not improved for `patience` epochs.
///
/// ```
/// use ember::optim::SGD;
/// use ember::optim::lr_scheduler::{ReduceLROnPlateau, ReduceLROnPlateauOptions};
///
/// let opt = SGD::new(vec![ember::zeros([1]).requires_grad_(true)], 1.0);
/// let mut s = ReduceLROnPlateau::with(&opt, ReduceLROnPlateauOptions {
///     patience: 0, factor: 0.5, ..Default::default()
/// });
/// s.step(1.0);
/// s.step(1.0); // no improvement
/// assert_eq!(s.get_last_lr(), vec![0.5]);
/// ```
pub struct ReduceLROnPlateau {
    opt: Box<dyn Optimizer>,
    o: ReduceLROnPlateauOptions,
    min_lrs: Vec<f64>,
    best: f64,
    num_bad_epochs: usize,
    cooldown_counter: usize,
    last_epoch: i64,
    last_lr: Vec<f64>,
}

impl ReduceLROnPlateau {
    /// `ReduceLROnPlateau(optimizer)` with PyTorch's defaults.
    pub fn new(opt: &(impl Optimizer + ?Sized)) -> ReduceLROnPlateau {
        Self::with(opt, ReduceLROnPlateauOptions::default())
    }

    /// `ReduceLROnPlateau(optimizer, **options)`.
    ///
    /// # Errors
    /// PyTorch's: `factor >= 1`, a `min_lrs` list of the wrong length.
    #[panicking(assoc)]
    pub fn try_with(
        opt: &(impl Optimizer + ?Sized),
        o: ReduceLROnPlateauOptions,
    ) -> Result<ReduceLROnPlateau> {
        if o.factor >= 1.0 {
            bail!(Value, "Factor should be < 1.0.");
        }
        let n = opt.num_param_groups();
        let min_lrs = match &o.min_lrs {
            Some(v) if v.len() != n => bail!(Value, "expected {n} min_lrs, got {}", v.len()),
            Some(v) => v.clone(),
            None => vec![o.min_lr; n],
        };
        let best = match o.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        };
        Ok(ReduceLROnPlateau {
            opt: opt.handle(),
            last_lr: opt.lrs(),
            o,
            min_lrs,
            best,
            num_bad_epochs: 0,
            cooldown_counter: 0,
            last_epoch: 0,
        })
    }

    fn is_better(&self, a: f64) -> bool {
        let (best, th) = (self.best, self.o.threshold);
        match (self.o.mode, self.o.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - th,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (th + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + th,
        }
    }

    /// `scheduler.step(metrics)`: records the epoch's metric, reducing the rate on a plateau.
    ///
    /// # Errors
    /// When groups were added after construction with per-group `min_lrs` (PyTorch's error).
    #[panicking]
    pub fn try_step(&mut self, metric: f64) -> Result<()> {
        self.last_epoch += 1;
        if self.is_better(metric) {
            self.best = metric;
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.o.patience {
            self.reduce_lr()?;
            self.cooldown_counter = self.o.cooldown;
            self.num_bad_epochs = 0;
        }
        self.last_lr = self.opt.lrs();
        Ok(())
    }

    fn reduce_lr(&mut self) -> Result<()> {
        let n = self.opt.num_param_groups();
        if n != self.min_lrs.len() {
            if self.o.min_lrs.is_some() {
                bail!(
                    Value,
                    "The number of param groups in the `optimizer` ({n}) differs from when `ReduceLROnPlateau` was initialized ({}), usually due to a new param group being added to the optimizer. Please modify the `min_lrs` field to match the length of the `optimizer` param groups.",
                    self.min_lrs.len()
                );
            }
            self.min_lrs = vec![self.o.min_lr; n];
        }
        let (factor, eps, min_lrs) = (self.o.factor, self.o.eps, &self.min_lrs);
        self.opt.visit_group_options(&mut |i, g| {
            let old = g.lr();
            let new = (old * factor).max(min_lrs[i]);
            if old - new > eps {
                g.set_lr(new);
            }
        });
        Ok(())
    }

    /// The learning rates after the last step.
    pub fn get_last_lr(&self) -> Vec<f64> {
        self.last_lr.clone()
    }

    /// The number of steps taken.
    pub fn last_epoch(&self) -> i64 {
        self.last_epoch
    }
}
